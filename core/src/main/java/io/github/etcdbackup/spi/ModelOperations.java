package io.github.etcdbackup.spi;

import io.github.etcdbackup.exception.ActionFailedException;
import io.github.etcdbackup.exception.TransportException;
import io.github.etcdbackup.status.ModelStatus;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a transport that talks to a Juju controller can do with the model besides running etcd actions: the single
 * steps of the documented restore procedure. Each call is bounded by its {@link Deadline}, validates its names before
 * any process starts, and throws only {@code EtcdBackupException} subclasses: a refused command is a
 * {@code TransportException} carrying Juju's error text.
 */
public interface ModelOperations {
    /**
     * The command lines the operations below run, in the dialect of the tool this transport drives (Juju 2.9 and
     * 3.x spell several of them differently), so that a plan prints what will really run.
     *
     * @param deadline bounds the one call that may be needed to learn the tool's version
     */
    ModelCommands commands(Deadline deadline);

    /** {@code juju status}, parsed. */
    ModelStatus status(Deadline deadline);

    /**
     * {@code juju deploy CHARM APPLICATION [--channel CHANNEL] [--base BASE | --series SERIES] [--config K=V ...]}.
     * Returns once Juju accepted the deployment; the units come up later (poll {@link #status(Deadline)}).
     *
     * @param charm       the charm, e.g. {@code etcd}
     * @param application the new application's name, e.g. {@code new-etcd}
     * @param channel     the charm channel, e.g. {@code 1.29/stable}; empty for Juju's default
     * @param base        {@code ubuntu@22.04} or a series such as {@code jammy} (translated for the Juju version in
     *                    use); empty for Juju's default
     * @param config      charm config, e.g. {@code channel=3.4/stable}; may be empty
     */
    void deploy(String charm, String application, String channel, String base, Map<String, String> config,
                Deadline deadline);

    /** {@code juju attach-resource APPLICATION RESOURCE=FILE}: uploads a local file as a charm resource. */
    void attachResource(String application, String resource, Path file, Deadline deadline);

    /**
     * The fingerprint Juju reports ({@code juju resources APPLICATION}) for a resource that was uploaded (origin
     * {@code upload}); empty when the resource is still the store's placeholder. Compare it with the SHA-384 of the
     * file given to {@link #attachResource}: Juju's revision number alone does not prove an upload.
     */
    Optional<String> uploadedResourceFingerprint(String application, String resource, Deadline deadline);

    /**
     * Relates two applications: {@code juju integrate} (3.x) or {@code juju add-relation} (2.9). Each side is an
     * application name or {@code application:endpoint}.
     */
    void integrate(String first, String second, Deadline deadline);

    /**
     * {@code juju remove-relation FIRST SECOND} (the same in 2.9 and 3.x); each side is an application name or
     * {@code application:endpoint}. Returns once Juju accepted it; the relation goes away later (poll status).
     */
    void removeRelation(String first, String second, Deadline deadline);

    /** {@code juju add-unit APPLICATION -n COUNT}; Juju does not print the new unit names. */
    void addUnit(String application, int count, Deadline deadline);

    /** {@code juju remove-application APPLICATION}, without Juju 3's interactive prompt. */
    void removeApplication(String application, Deadline deadline);

    /** {@code juju config APPLICATION KEY}: the raw value, e.g. {@code auto} for the etcd charm's {@code channel}. */
    String config(String application, String key, Deadline deadline);

    /**
     * Copies a local file to a unit ({@code juju scp FILE UNIT:REMOTE}), as the {@code ubuntu} user: the target must
     * be somewhere that user may write, such as its home. {@code unit} may be {@code APP/leader}, which Juju
     * resolves.
     */
    void copyToUnit(String unit, Path file, String remotePath, Deadline deadline);

    /**
     * Runs a bash script as root on a unit ({@code juju ssh UNIT -- sudo bash -c SCRIPT}) and returns its stdout.
     * {@code unit} may be {@code APP/leader}, which Juju resolves.
     *
     * @throws TransportException if the script exits with a status other than 0 (the message holds its stderr)
     */
    String runAsRoot(String unit, String script, Deadline deadline);

    /**
     * Runs the charm's {@code restore} action on a unit (the leader) and waits for it.
     *
     * @param params the action's parameters, e.g. {@code skip-backup=true}; may be empty
     * @return the charm's own results, nested keys joined with dots (e.g. {@code backup.path}); often empty
     * @throws ActionFailedException if the action did not complete successfully
     */
    Map<String, String> runRestore(String unit, Map<String, String> params, Deadline deadline);

    /**
     * Runs the control plane charm's {@code restart} action (kube-apiserver, kube-controller-manager,
     * kube-scheduler) on these units, in one call, and waits for every task.
     *
     * @throws ActionFailedException if a task did not complete successfully (a charm without the action, such as
     *                               the 1.29 control plane, is refused by Juju before anything runs)
     */
    void restartControlPlane(List<String> units, Deadline deadline);
}
