package io.github.etcdbackup.transport.jujucli.internal;

import io.github.etcdbackup.transport.jujucli.ActionResult;

import java.util.List;

/**
 * The tasks of one {@code run-action}/{@code run} call, with the text they were parsed from (for error messages).
 *
 * @param tasks     every task, ordered by application then unit number; never empty
 * @param rawOutput juju's stdout
 */
public record ActionRun(List<ActionResult> tasks, String rawOutput) {
    /** Copies the list. */
    public ActionRun {
        tasks = List.copyOf(tasks);
    }
}
