/**
 * Every error the library throws: one unchecked, sealed root ({@link EtcdBackupException})
 * whose subclasses carry the data a caller needs to act (unit, path, expected and actual checksum, deadline).
 */
package io.github.etcdbackup.exception;
