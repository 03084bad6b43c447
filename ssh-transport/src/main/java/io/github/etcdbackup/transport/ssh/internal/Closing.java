package io.github.etcdbackup.transport.ssh.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing on error and cleanup paths, where a second failure must not hide the first. */
final class Closing {
    private static final Logger LOG = LoggerFactory.getLogger(Closing.class);

    private Closing() {
    }

    static void quietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("Ignoring an error while closing {}: {}", closeable, e.toString());
        }
    }
}
