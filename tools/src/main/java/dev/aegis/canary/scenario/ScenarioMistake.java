package dev.aegis.canary.scenario;

/**
 * A scenario that cannot be played as written, found while playing it (its Canary Invalid, a template that does not
 * exist): {@code simulate} reports it in one line and exits 2, as for a mistake found when reading the file.
 */
public final class ScenarioMistake extends IllegalArgumentException {

    public ScenarioMistake(String message) {
        super(message);
    }
}
