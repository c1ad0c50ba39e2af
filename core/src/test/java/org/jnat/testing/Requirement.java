package org.jnat.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The RFC requirements a test shows jnat meeting (or, with a setting, not meeting), by the names
 * of the compliance catalogue ({@code app/src/test/resources/compliance/requirements.txt}):
 * {@code @Requirement({"RFC 4787 REQ-1", "RFC 5382 REQ-1"})}. The app module's
 * {@code ComplianceTest} finds these on the test classpath and writes docs/COMPLIANCE.md from them.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Requirement {
    String[] value();
}
