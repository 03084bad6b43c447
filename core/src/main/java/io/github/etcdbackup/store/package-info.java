/**
 * A directory of verified archives: listing, re-verifying, pruning by a retention policy (never the last good copy,
 * never an unverified one), and restore drills into a throwaway local etcd.
 */
package io.github.etcdbackup.store;
