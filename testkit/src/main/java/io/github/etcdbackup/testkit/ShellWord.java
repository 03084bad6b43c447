package io.github.etcdbackup.testkit;

import java.util.Optional;

/**
 * Reads one POSIX shell word the way the unit's login shell would, for scp's legacy protocol, which hands the
 * remote path to that shell ({@code scp -f PATH}): single quotes, double quotes with their four escapes, and
 * backslashes. Anything the shell would expand or split ({@code $}, backquotes, globs, blanks, operators outside
 * quotes) is refused rather than imitated: the simulator does not pretend to be a shell.
 */
final class ShellWord {
    private static final String SPECIAL_UNQUOTED = " \t\n$`\"'\\;&|<>()*?[{~#";

    private ShellWord() {
    }

    /** The word's value, or empty when the text is not exactly one word the simulator can read. */
    static Optional<String> unquote(String text) {
        StringBuilder word = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'') {
                int end = text.indexOf('\'', i + 1);
                if (end < 0) {
                    return Optional.empty();
                }
                word.append(text, i + 1, end);
                i = end + 1;
            } else if (c == '"') {
                i = doubleQuoted(text, i + 1, word);
                if (i < 0) {
                    return Optional.empty();
                }
            } else if (c == '\\') {
                if (i + 1 >= text.length()) {
                    return Optional.empty();
                }
                word.append(text.charAt(i + 1));
                i += 2;
            } else if (SPECIAL_UNQUOTED.indexOf(c) >= 0) {
                return Optional.empty();
            } else {
                word.append(c);
                i++;
            }
        }
        return Optional.of(word.toString());
    }

    /** Appends a double-quoted part starting after its opening quote; returns the index after its closing quote. */
    private static int doubleQuoted(String text, int start, StringBuilder word) {
        int i = start;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '$' || c == '`') {
                return -1;
            }
            if (c == '\\' && i + 1 < text.length() && "$`\"\\".indexOf(text.charAt(i + 1)) >= 0) {
                word.append(text.charAt(i + 1));
                i += 2;
            } else {
                word.append(c);
                i++;
            }
        }
        return -1;
    }
}
