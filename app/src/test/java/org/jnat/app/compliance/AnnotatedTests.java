package org.jnat.app.compliance;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.jnat.testing.Requirement;

/**
 * The tests marked {@link Requirement} on the test classpath (this module's test classes and the
 * core test jar), found by walking every classpath root that holds {@code org/jnat}: by the
 * requirement each shows, the tests as "Class.method", sorted.
 */
final class AnnotatedTests {
    private AnnotatedTests() {
    }

    /** A test method that shows a requirement: its class and method. */
    record Shown(Class<?> type, String method) {
        String name() {
            return type.getName().substring(type.getPackageName().length() + 1).replace('$', '.') + "." + method;
        }
    }

    static Map<String, List<Shown>> find() throws IOException {
        Map<String, List<Shown>> byId = new TreeMap<>();
        for (String className : classNames()) {
            Class<?> type;
            try {
                type = Class.forName(className, false, AnnotatedTests.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                continue; // a class of a test scope we cannot load here (none holds a @Requirement we need)
            }
            for (Method m : type.getDeclaredMethods()) {
                Requirement r = m.getAnnotation(Requirement.class);
                for (String id : r == null ? new String[0] : r.value()) {
                    byId.computeIfAbsent(id, k -> new ArrayList<>()).add(new Shown(type, m.getName()));
                }
            }
        }
        byId.values().forEach(list -> list.sort(Comparator.comparing(Shown::name)));
        return byId;
    }

    private static TreeSet<String> classNames() throws IOException {
        TreeSet<String> names = new TreeSet<>();
        Enumeration<URL> roots = AnnotatedTests.class.getClassLoader().getResources("org/jnat");
        for (URL root : Collections.list(roots)) {
            if (root.getProtocol().equals("jar")) {
                JarURLConnection jar = (JarURLConnection) root.openConnection();
                jar.setUseCaches(false);
                try (JarFile file = jar.getJarFile()) {
                    file.stream().map(e -> e.getName()).filter(AnnotatedTests::isClass)
                            .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
                }
            } else if (root.getProtocol().equals("file")) {
                Path dir;
                try {
                    dir = Path.of(root.toURI()).getParent().getParent(); // the root above org/jnat
                } catch (URISyntaxException e) {
                    throw new IOException(e);
                }
                try (Stream<Path> files = Files.walk(dir.resolve("org/jnat"))) {
                    files.map(p -> dir.relativize(p).toString().replace('\\', '/')).filter(AnnotatedTests::isClass)
                            .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
                }
            }
        }
        return names;
    }

    /** Test classes only: the main jars hold no @Requirement, and loading them all would be slow. */
    private static boolean isClass(String path) {
        String simple = path.substring(path.lastIndexOf('/') + 1);
        return simple.endsWith(".class") && (simple.contains("Test") || simple.contains("IT"));
    }
}
