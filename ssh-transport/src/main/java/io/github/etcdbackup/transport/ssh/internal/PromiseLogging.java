package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.concurrent.Promise;
import net.schmizz.sshj.common.LoggerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * sshj's loggers, except that its {@link Promise}s log at DEBUG what they log at ERROR. A promise logs
 * {@code <<name>> woke to: ...} at ERROR whenever the reply it waited for is a failure, and then hands the failure to
 * its caller. Here every such failure is expected or reported: the round-trip probe's request is refused by design,
 * a range cancelled at the end of a download wakes to {@code Disconnected}, and a real fault reaches the user as a
 * typed exception with its cause. At ERROR they read like a failed backup to whoever watches the logs.
 */
final class PromiseLogging implements LoggerFactory {
    static final PromiseLogging FACTORY = new PromiseLogging();

    private PromiseLogging() {
    }

    @Override
    public Logger getLogger(String name) {
        Logger logger = org.slf4j.LoggerFactory.getLogger(name);
        return name.equals(Promise.class.getName()) ? new Demoted(logger) : logger;
    }

    @Override
    public Logger getLogger(Class<?> clazz) {
        return getLogger(clazz.getName());
    }

    /** Passes every event on, ERROR and WARN as DEBUG. */
    private static final class Demoted extends LegacyAbstractLogger {
        private final transient Logger delegate;

        Demoted(Logger delegate) {
            this.delegate = delegate;
            this.name = delegate.getName();
        }

        private static Level demoted(Level level) {
            return level.toInt() > Level.INFO.toInt() ? Level.DEBUG : level;
        }

        @Override
        public boolean isTraceEnabled() {
            return delegate.isTraceEnabled();
        }

        @Override
        public boolean isDebugEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        public boolean isInfoEnabled() {
            return delegate.isInfoEnabled();
        }

        @Override
        public boolean isWarnEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        public boolean isErrorEnabled() {
            return delegate.isDebugEnabled();
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            LoggingEventBuilder event = delegate.atLevel(demoted(level)).setMessage(pattern).setCause(throwable);
            if (marker != null) {
                event = event.addMarker(marker);
            }
            if (arguments != null) {
                for (Object argument : arguments) {
                    event = event.addArgument(argument);
                }
            }
            event.log();
        }
    }
}
