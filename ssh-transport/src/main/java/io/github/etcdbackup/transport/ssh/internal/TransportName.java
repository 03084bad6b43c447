package io.github.etcdbackup.transport.ssh.internal;

/** The name this transport goes by in messages and in every exception it throws. */
public final class TransportName {
    /** {@code ssh}. */
    public static final String SSH = "ssh";

    private TransportName() {
    }
}
