package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies a unit's bytes to the client in 128 KiB chunks, passed on whenever the unit has no more for now.
 * {@link InputStream#transferTo} copies 8 KiB at a time: sixteen times the system calls for a large file, paid on
 * the CPUs the client under test runs on, where the remote unit and the network of a real model cost the client
 * nothing.
 */
final class Relay {
    private static final int CHUNK = 128 * 1024;

    private Relay() {
    }

    static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[CHUNK];
        int n;
        while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
            if (in.available() == 0) {
                // Nothing more for now: what came goes on, as OpenSSH sends what it has (a command that waits for
                // input after printing, such as a range session, must have its output seen first).
                out.flush();
            }
        }
    }
}
