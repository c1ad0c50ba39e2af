package org.jnat.app.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/COMPLIANCE.md, generated: every requirement of the catalogue has a verdict and either a
 * test that shows it ({@code @Requirement}) or a reason why none does; every {@code @Requirement}
 * names a requirement of the catalogue; and the committed file is what this generates. When it is
 * not, the test writes the new file and fails, so that a change of verdict or test is seen and
 * committed, and CI (a fresh checkout) fails until it is.
 */
class ComplianceTest {
    @Test
    void theComplianceDocumentIsWhatTheCatalogueAndTheTestsSay() throws Exception {
        Catalogue catalogue = Catalogue.read();
        Map<String, List<AnnotatedTests.Shown>> shown = AnnotatedTests.find();
        List<String> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Catalogue.Entry e : catalogue.all()) {
            String where = "requirements.txt:" + e.line() + ": " + e.id() + ": ";
            if (!ids.add(e.id())) {
                problems.add(where + "listed twice");
            }
            if (Catalogue.verdictWord(e) == null) {
                problems.add(where + "no verdict; start it with one of " + Catalogue.VERDICTS);
            }
            if (e.summary().isEmpty() || e.breaks().isEmpty() || e.level().isEmpty()) {
                problems.add(where + "every field but the last needs a value (\"-\" for no setting)");
            }
            boolean hasTest = shown.containsKey(e.id());
            if (!hasTest && e.notShown().isEmpty()) {
                problems.add(where + "no test shows it: mark one @Requirement(\"" + e.id() + "\") or say why not");
            }
            if (hasTest && !e.notShown().isEmpty()) {
                problems.add(where + "says it is not shown, but " + shown.get(e.id()).getFirst().name() + " shows it");
            }
        }
        for (var s : shown.entrySet()) {
            if (!ids.contains(s.getKey())) {
                problems.add(s.getValue().getFirst().name() + ": @Requirement(\"" + s.getKey() + "\") is not in"
                        + " the catalogue");
            }
        }
        assertThat(problems).as("the compliance catalogue and the @Requirement marks").isEmpty();

        Path repository = repository();
        String generated = ComplianceDocument.render(catalogue, shown, repository);
        Path file = repository.resolve("docs/COMPLIANCE.md");
        String committed = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        if (!committed.equals(generated)) {
            Files.writeString(file, generated, StandardCharsets.UTF_8);
        }
        assertThat(committed).as("docs/COMPLIANCE.md was out of date and has been rewritten: review it and commit it")
                .isEqualTo(generated);
        System.out.println("compliance: " + catalogue.all().size() + " requirements, " + shown.size()
                + " shown by tests");
    }

    /** The checkout's top directory: the first one up from here that holds docs/DESIGN.md. */
    private static Path repository() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("docs/DESIGN.md"))) {
                return p;
            }
        }
        throw new IllegalStateException("no docs/DESIGN.md above " + Path.of("").toAbsolutePath());
    }
}
