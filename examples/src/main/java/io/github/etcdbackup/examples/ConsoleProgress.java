package io.github.etcdbackup.examples;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.ProgressListener;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Prints progress on a console: one line per step, and for downloads a line redrawn in place with bytes, rate and
 * estimated time left. Built on {@link ProgressListener} alone, so it works with any transport.
 */
public final class ConsoleProgress implements ProgressListener {
    private final PrintStream out;
    private Instant downloadStart;
    private long startBytes;
    private boolean lineOpen;

    /** Progress on {@code out}, e.g. {@code System.out}. */
    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void onEvent(BackupEvent event) {
        if (event instanceof BackupEvent.BytesTransferred bytes) {
            showBytes(bytes);
            return;
        }
        endLine();
        if (event instanceof BackupEvent.Started started) {
            out.println("▶ " + started.operation());
        } else if (event instanceof BackupEvent.StepStarted step) {
            out.println("  … " + step.step());
            downloadStart = null;
        } else if (event instanceof BackupEvent.StepCompleted step) {
            out.println("  ✓ " + step.step() + " (" + millis(step.elapsed()) + ")");
        } else if (event instanceof BackupEvent.Completed completed) {
            out.println("✔ " + completed.operation() + " in " + millis(completed.elapsed()));
        } else if (event instanceof BackupEvent.Failed failed) {
            out.println("✘ " + failed.operation() + ": " + failed.error().getMessage());
        }
    }

    private void showBytes(BackupEvent.BytesTransferred bytes) {
        if (downloadStart == null) {
            downloadStart = bytes.at();
            startBytes = bytes.bytes();
        }
        double seconds = Math.max(0.001, Duration.between(downloadStart, bytes.at()).toNanos() / 1e9);
        double rate = (bytes.bytes() - startBytes) / seconds;
        StringBuilder line = new StringBuilder("\r    ").append(human(bytes.bytes()));
        bytes.estimatedTotal().ifPresent(total -> {
            line.append(" of ~").append(human(total));
            if (rate > 0 && total > bytes.bytes()) {
                line.append(String.format(Locale.ROOT, ", ETA %.0f s", (total - bytes.bytes()) / rate));
            }
        });
        line.append(String.format(Locale.ROOT, ", %.1f MiB/s   ", rate / (1024 * 1024)));
        out.print(line);
        out.flush();
        lineOpen = true;
    }

    private void endLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    private static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }
}
