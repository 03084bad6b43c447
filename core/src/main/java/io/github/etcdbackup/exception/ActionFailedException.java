package io.github.etcdbackup.exception;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A charm action (or the equivalent command over SSH) ran and did not complete: its status is not
 * {@code completed}, or it completed with a non-zero return code. Juju exits 0 for most of these, so this is
 * decided from the action's own status, never from the CLI's exit code.
 */
public final class ActionFailedException extends EtcdBackupException {
    private final String unit;
    private final String actionId;
    private final String status;
    private final String actionMessage;
    private final Integer returnCode;
    private final String stderrTail;

    /**
     * @param unit          the unit the action ran on
     * @param actionId      the action or task id, {@code null} when not known
     * @param status        the raw status ({@code failed}, {@code cancelled}, ...)
     * @param actionMessage the action's message, empty when it has none
     * @param returnCode    the return code, {@code null} when not reported
     * @param stderr        the action's stderr; only its tail is kept
     */
    public ActionFailedException(String unit, String actionId, String status, String actionMessage,
                                 Integer returnCode, String stderr) {
        super(message(unit, actionId, status, actionMessage, returnCode, stderr), null);
        this.unit = Objects.requireNonNull(unit, "unit");
        this.actionId = actionId;
        this.status = Objects.requireNonNull(status, "status");
        this.actionMessage = actionMessage == null ? "" : actionMessage;
        this.returnCode = returnCode;
        this.stderrTail = tail(stderr, MESSAGE_TAIL_CHARS);
    }

    private static String message(String unit, String actionId, String status, String actionMessage,
                                  Integer returnCode, String stderr) {
        StringBuilder text = new StringBuilder("Action");
        if (actionId != null) {
            text.append(' ').append(actionId);
        }
        text.append(" on ").append(unit).append(" ended with status '").append(status).append('\'');
        if (returnCode != null) {
            text.append(", return code ").append(returnCode);
        }
        if (actionMessage != null && !actionMessage.isEmpty()) {
            text.append(": ").append(actionMessage);
        }
        if (stderr != null && !stderr.isBlank()) {
            text.append("\nstderr (tail):\n").append(tail(stderr.strip(), 1024));
        }
        return text.toString();
    }

    /** The unit the action ran on. */
    public String unit() {
        return unit;
    }

    /** The action (2.9) or task (3.x) id, when Juju reported it. */
    public Optional<String> actionId() {
        return Optional.ofNullable(actionId);
    }

    /** The raw status Juju reported, e.g. {@code failed}. */
    public String status() {
        return status;
    }

    /** The action's message, e.g. {@code This action can only be run on the leader unit}; empty if none. */
    public String actionMessage() {
        return actionMessage;
    }

    /** The return code of the action's process, when reported. */
    public OptionalInt returnCode() {
        return returnCode == null ? OptionalInt.empty() : OptionalInt.of(returnCode);
    }

    /** The last few KiB of the action's stderr. */
    public String stderrTail() {
        return stderrTail;
    }
}
