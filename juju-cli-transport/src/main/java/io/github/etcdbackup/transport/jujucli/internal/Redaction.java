package io.github.etcdbackup.transport.jujucli.internal;

import java.util.List;

/** Hides the values of {@code key=value} arguments in logs: action parameters and charm config may hold secrets. */
final class Redaction {
    private Redaction() {
    }

    static String redact(List<String> argv) {
        StringBuilder out = new StringBuilder();
        for (String argument : argv) {
            if (out.length() > 0) {
                out.append(' ');
            }
            int equals = argument.indexOf('=');
            out.append(equals > 0 && !argument.startsWith("-") ? argument.substring(0, equals + 1) + "***" : argument);
        }
        return out.toString();
    }
}
