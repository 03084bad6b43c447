package io.github.etcdbackup.testkit;

/**
 * Builds the text {@code bash -x} writes to stderr: {@code + cmd} for commands, {@code ++ cmd} for command
 * substitutions, words quoted the way bash quotes them ({@code '['}, {@code 'a b'}, {@code $'a\tb'}).
 */
final class BashTrace {
    private static final String SHELL_METAS = " \t'\"\\|&;()<>!{}*[?]$`";

    private final StringBuilder text = new StringBuilder();

    /** {@code + word word...}. */
    BashTrace command(String... words) {
        return line("+", words);
    }

    /** {@code ++ word word...}, a command substitution one level down. */
    BashTrace substitution(String... words) {
        return line("++", words);
    }

    /** {@code + NAME=value}, quoting only the value like bash does for assignments. */
    BashTrace assign(String name, String value) {
        text.append("+ ").append(name).append('=').append(quote(value)).append('\n');
        return this;
    }

    /** Output of a traced command (its stderr) between the trace lines. */
    BashTrace output(String stderr) {
        text.append(stderr);
        if (!stderr.isEmpty() && !stderr.endsWith("\n")) {
            text.append('\n');
        }
        return this;
    }

    private BashTrace line(String prefix, String... words) {
        text.append(prefix);
        for (String word : words) {
            text.append(' ').append(quote(word));
        }
        text.append('\n');
        return this;
    }

    static String quote(String word) {
        if (word.isEmpty()) {
            return "''";
        }
        boolean control = word.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
        if (control) {
            StringBuilder quoted = new StringBuilder("$'");
            for (char c : word.toCharArray()) {
                switch (c) {
                    case '\n' -> quoted.append("\\n");
                    case '\t' -> quoted.append("\\t");
                    case '\r' -> quoted.append("\\r");
                    case '\'' -> quoted.append("\\'");
                    case '\\' -> quoted.append("\\\\");
                    default -> {
                        if (c < 0x20 || c == 0x7f) {
                            quoted.append(String.format("\\%03o", (int) c));
                        } else {
                            quoted.append(c);
                        }
                    }
                }
            }
            return quoted.append('\'').toString();
        }
        boolean needsQuotes = word.chars().anyMatch(c -> SHELL_METAS.indexOf(c) >= 0)
                || word.startsWith("~") || word.startsWith("#");
        return needsQuotes ? "'" + word.replace("'", "'\\''") + "'" : word;
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
