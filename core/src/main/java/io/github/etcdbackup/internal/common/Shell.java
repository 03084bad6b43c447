package io.github.etcdbackup.internal.common;

import java.util.regex.Pattern;

/** POSIX shell quoting, for commands printed to people and for remote commands that go through a shell. */
public final class Shell {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./@%+=:,-]+");

    private Shell() {
    }

    /** The word unchanged when it is safe, else {@link #quoteAlways(String)}: for commands printed to people. */
    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return quoteAlways(word);
    }

    /**
     * One shell word in single quotes, where the shell interprets nothing; each embedded {@code '} is closed,
     * escaped and reopened as {@code '\''}. For values that go into a remote shell.
     */
    public static String quoteAlways(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
