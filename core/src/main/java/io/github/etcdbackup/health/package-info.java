/** A cluster's health as etcdctl reported it, judged member by member, never on a summary line. */
package io.github.etcdbackup.health;
