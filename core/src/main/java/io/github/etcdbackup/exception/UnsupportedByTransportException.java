package io.github.etcdbackup.exception;

import java.util.Objects;

/** The configured transport cannot do this operation; the message names the transport that can. */
public final class UnsupportedByTransportException extends EtcdBackupException {
    private final String operation;
    private final String transport;

    /**
     * @param operation        the operation asked for, e.g. {@code status}
     * @param transport        the name of the transport in use
     * @param transportThatCan the artifact and builder of a transport that supports it
     */
    public UnsupportedByTransportException(String operation, String transport, String transportThatCan) {
        super("The " + transport + " transport cannot do '" + operation + "'; use " + transportThatCan, null);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /** The operation asked for. */
    public String operation() {
        return operation;
    }

    /** The transport that cannot do it. */
    public String transport() {
        return transport;
    }
}
