package io.github.etcdbackup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies a unit's bytes to the client in 128 KiB chunks. {@link InputStream#transferTo} copies 8 KiB at a time:
 * sixteen times the system calls for a large file, paid on the CPUs the client under test runs on, where the
 * remote unit and the network of a real model cost the client nothing.
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
        }
    }
}
