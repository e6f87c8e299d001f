package io.tributary.proto;

import java.util.regex.Pattern;

/** The rule for topic names, shared by the controller, the broker and clients (as in Kafka). */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

    private TopicNames() {
    }

    /** Null when valid, else the reason. */
    public static String validationError(String name) {
        if (name == null || name.isEmpty()) {
            return "topic name is empty";
        }
        if (name.equals(".") || name.equals("..")) {
            return "topic name cannot be '.' or '..'";
        }
        if (name.length() > MAX_LENGTH) {
            return "topic name is " + name.length() + " characters, more than " + MAX_LENGTH;
        }
        if (!LEGAL.matcher(name).matches()) {
            return "topic name '" + name + "' has characters outside [a-zA-Z0-9._-]";
        }
        return null;
    }
}
