package io.github.etcdbackup.internal;

import java.util.regex.Pattern;

/** POSIX shell quoting, for commands printed to people and for remote commands that go through a shell. */
public final class Shell {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./@%+=:,-]+");

    private Shell() {
    }

    /** The word unchanged when it is safe, else in single quotes with each {@code '} written as {@code '\''}. */
    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
