package io.github.etcdbackup.testkit;

/**
 * An established relation between two applications' endpoints.
 *
 * @param app1      one side's application
 * @param endpoint1 its endpoint
 * @param app2      the other side's application
 * @param endpoint2 its endpoint
 * @param iface     the interface both endpoints speak
 */
record Relation(String app1, String endpoint1, String app2, String endpoint2, String iface) {

    boolean involves(String application) {
        return app1.equals(application) || app2.equals(application);
    }

    /** {@code app:endpoint app:endpoint} as Juju prints a relation key. */
    String key() {
        return app1 + ":" + endpoint1 + " " + app2 + ":" + endpoint2;
    }
}
