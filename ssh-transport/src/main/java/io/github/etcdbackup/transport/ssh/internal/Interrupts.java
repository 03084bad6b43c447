package io.github.etcdbackup.transport.ssh.internal;

import java.io.InterruptedIOException;

/**
 * Whether a failure of sshj was the calling thread's interrupt. sshj turns an {@code InterruptedException} caught
 * while it waits (for a channel to open, for a reply) into a {@code ConnectionException} and clears the thread's
 * flag: taken for a broken connection, the interrupt of one caller would close the connection under every other
 * channel on it.
 */
final class Interrupts {
    private Interrupts() {
    }

    /** True when {@code failure} came from an interrupt (its flag is then set again) or the flag is set. */
    static boolean caused(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InterruptedException || cause instanceof InterruptedIOException) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return Thread.currentThread().isInterrupted();
    }
}
