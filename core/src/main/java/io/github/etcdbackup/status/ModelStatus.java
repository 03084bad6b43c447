package io.github.etcdbackup.status;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The part of {@code juju status} that backup and restore need.
 *
 * @param name         the model name
 * @param jujuVersion  the model's agent version, e.g. {@code 3.4.2}
 * @param applications the applications, in the order Juju printed them
 */
public record ModelStatus(String name, String jujuVersion, List<ApplicationStatus> applications) {
    /** Validates and copies every field. */
    public ModelStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(jujuVersion, "jujuVersion");
        applications = List.copyOf(applications);
    }

    /** The application with this name (not charm name), if the model has it. */
    public Optional<ApplicationStatus> application(String name) {
        return applications.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /**
     * The applications deployed from this charm, whatever they are called: an upgraded model keeps the application
     * name {@code kubernetes-master} for the charm {@code kubernetes-control-plane}.
     */
    public List<ApplicationStatus> applicationsOfCharm(String charmName) {
        return applications.stream().filter(a -> a.charmName().equals(charmName)).toList();
    }
}
