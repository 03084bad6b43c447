/**
 * Restores: the options, the {@link io.github.etcdbackup.restore.RestorePlan} built and printed before anything
 * changes, its {@link io.github.etcdbackup.restore.RestoreStep steps}, and the report of a run.
 */
package io.github.etcdbackup.restore;
