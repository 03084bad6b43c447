package io.github.etcdbackup.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The exact command lines a {@link ModelOperations} implementation runs, one per operation, for a restore plan to
 * print before anything changes. Each returns what the matching operation would run with the same arguments, as a
 * shell line a person can paste (every argument quoted where a shell would split it), in the dialect of the tool
 * the transport drives: a plan that says {@code juju add-relation} runs {@code juju add-relation}.
 *
 * <p>Obtained from {@link ModelOperations#commands(Deadline)}, which may have to ask the tool for its version first.
 * Arguments are checked as the operations check them: a name an operation would refuse is refused here, at plan time.
 */
public interface ModelCommands {
    /** What {@link ModelOperations#status(Deadline)} runs; a plan's waiting steps poll it. */
    String status();

    /** What {@link ModelOperations#deploy} runs with these arguments. */
    String deploy(String charm, String application, String channel, String base, Map<String, String> config);

    /** What {@link ModelOperations#attachResource} runs with these arguments. */
    String attachResource(String application, String resource, Path file);

    /** What {@link ModelOperations#integrate} runs with these arguments. */
    String integrate(String first, String second);

    /** What {@link ModelOperations#removeRelation} runs with these arguments. */
    String removeRelation(String first, String second);

    /** What {@link ModelOperations#addUnit} runs with these arguments. */
    String addUnit(String application, int count);

    /** What {@link ModelOperations#copyToUnit} runs with these arguments; {@code unit} may be {@code APP/leader}. */
    String copyToUnit(String unit, Path file, String remotePath);

    /** What {@link ModelOperations#runAsRoot} runs with these arguments; {@code unit} may be {@code APP/leader}. */
    String runAsRoot(String unit, String script);

    /**
     * What {@link ModelOperations#runRestore} runs with these arguments when its deadline is {@code timeout} from
     * the call (the tool's own wait is derived from it).
     */
    String runRestore(String unit, Map<String, String> params, Duration timeout);

    /**
     * What {@link EtcdTransport#healthOutput(String, Deadline)} of the same transport runs when its deadline is
     * {@code timeout} from the call.
     */
    String health(String unit, Duration timeout);

    /**
     * What {@link ModelOperations#restartControlPlane} runs with these arguments when its deadline is {@code timeout}
     * from the call.
     */
    String restartControlPlane(List<String> units, Duration timeout);
}
