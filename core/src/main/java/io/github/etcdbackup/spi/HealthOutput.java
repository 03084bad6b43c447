package io.github.etcdbackup.spi;

import io.github.etcdbackup.internal.common.InputValidation;

import java.util.Objects;

/**
 * The raw etcdctl health text one unit answered with.
 *
 * @param unit   the unit that answered, e.g. {@code etcd/1} when {@code etcd/leader} was asked
 * @param output the text, as {@link EtcdTransport#healthOutput} returns it
 */
public record HealthOutput(String unit, String output) {
    /** Validates every field. */
    public HealthOutput {
        InputValidation.unitOrLeader(unit);
        Objects.requireNonNull(output, "output");
    }
}
