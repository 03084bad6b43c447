package io.github.etcdbackup;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives {@link BackupEvent}s. Called on the thread doing the work, so it must return quickly. An exception it
 * throws is logged at WARN and otherwise ignored: a broken listener never breaks a backup.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Receives one event. */
    void onEvent(BackupEvent event);

    /** A listener that does nothing (the default). */
    static ProgressListener noop() {
        return event -> { };
    }

    /** A listener that logs each event at INFO on the logger {@code io.github.etcdbackup.progress}. */
    static ProgressListener logging() {
        Logger log = LoggerFactory.getLogger("io.github.etcdbackup.progress");
        // DEBUG: a download reports every few MiB, which is noise at INFO; the client logs each outcome at INFO.
        return event -> log.debug("{}", event);
    }
}
