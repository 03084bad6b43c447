/** A Juju model's status as the restore planner reads it: applications, their units, charm channels and bases. */
package io.github.etcdbackup.status;
