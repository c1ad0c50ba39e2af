package org.jnat.app.lab;

/** The lab could not be built or driven; the message says what and what to do. */
public final class LabException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }
}
