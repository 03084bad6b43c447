package io.github.etcdbackup.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An action's parameters and their JSON-schema types, as the controller checks them before it queues a task.
 * Juju builds each action's schema from actions.yaml with {@code additionalProperties: false} (internal/charm/
 * actions.go ReadActionsYaml) and refuses a payload that does not conform (state/unit.go PrepareActionPayload calls
 * ActionSpec.ValidateParams: {@code validation failed: <field>: <description>}, gojsonschema's wording). The refusal
 * is a per-task enqueue error, not a failed task: nothing runs.
 *
 * @param types parameter name to JSON-schema type ({@code string}, {@code boolean})
 */
record ActionSpec(Map<String, String> types) {
    ActionSpec {
        types = Map.copyOf(types);
    }

    static ActionSpec noParameters() {
        return new ActionSpec(Map.of());
    }

    /** Juju's error for {@code params}, or empty when the controller would queue the action. */
    Optional<String> validationError(Map<String, Object> params) {
        List<String> errors = new ArrayList<>();
        params.forEach((name, value) -> {
            String expected = types.get(name);
            if (expected == null) {
                errors.add("(root): Additional property " + name + " is not allowed");
            } else if (!expected.equals(GoYamlValue.jsonType(value))) {
                errors.add(name + ": Invalid type. Expected: " + expected + ", given: " + GoYamlValue.jsonType(value));
            }
        });
        return errors.isEmpty() ? Optional.empty() : Optional.of("validation failed: " + String.join("; ", errors));
    }
}
