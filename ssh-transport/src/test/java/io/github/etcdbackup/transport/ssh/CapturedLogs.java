package io.github.etcdbackup.transport.ssh;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The SLF4J backend of this module's tests: prints what matters (the library at INFO, everything else at WARN) to
 * stderr, and, between {@link #start()} and {@link #stop()}, enables every level of every logger (sshj's TRACE
 * included) and keeps each event's full text (message, arguments, stack trace), so that a test can assert that a
 * secret appears in no log line at all, not only in the lines a user would normally see.
 */
public final class CapturedLogs implements SLF4JServiceProvider {
    private static final List<String> CAPTURED = new ArrayList<>();
    private static volatile boolean capturing;

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, CapturingLogger::new);

    /** Starts keeping every event at every level. */
    public static void start() {
        synchronized (CAPTURED) {
            CAPTURED.clear();
        }
        capturing = true;
    }

    /** Stops capturing and returns the text of every event since {@link #start()}. */
    public static List<String> stop() {
        capturing = false;
        synchronized (CAPTURED) {
            return List.copyOf(CAPTURED);
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // Nothing to set up: loggers are made on demand.
    }

    private static final class CapturingLogger extends LegacyAbstractLogger {
        private final boolean library;

        CapturingLogger(String name) {
            this.name = name;
            this.library = name.startsWith("io.github.etcdbackup");
        }

        private boolean printed(Level level) {
            return level.toInt() >= (library ? Level.INFO : Level.WARN).toInt();
        }

        private boolean enabled(Level level) {
            return capturing || printed(level);
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            String text = level + " " + name + " - " + MessageFormatter.basicArrayFormat(pattern, arguments);
            if (throwable != null) {
                StringWriter trace = new StringWriter();
                throwable.printStackTrace(new PrintWriter(trace));
                text += "\n" + trace;
            }
            if (capturing) {
                synchronized (CAPTURED) {
                    CAPTURED.add(text);
                }
            }
            if (printed(level)) {
                System.err.println(java.time.LocalTime.now() + " " + Thread.currentThread().getName() + " " + text);
            }
        }
    }
}
