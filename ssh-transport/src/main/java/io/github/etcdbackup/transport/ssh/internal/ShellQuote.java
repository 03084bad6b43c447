package io.github.etcdbackup.transport.ssh.internal;

/**
 * POSIX shell quoting. sshj's exec hands one string to the remote user's shell, so every value that goes into it
 * is put in single quotes, where the shell interprets nothing; a single quote inside becomes {@code '\''}.
 */
final class ShellQuote {
    private ShellQuote() {
    }

    static String quote(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
