package io.github.etcdbackup;

/** What happens to the unit's copy of an archive once it was downloaded, verified and synced to disk. */
public enum UnitCopy {
    /** Leave it on the unit. */
    KEEP,
    /**
     * Remove it from the unit: the charm never does, and its snapshot directory would grow with every backup. Only
     * the exact file the snapshot reported is removed, and only when it is a regular file named like the charm's
     * archives; a removal that fails is reported and does not fail the download.
     */
    REMOVE
}
