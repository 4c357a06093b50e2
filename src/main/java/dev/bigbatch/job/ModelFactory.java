package dev.bigbatch.job;

import dev.bigbatch.model.Model;
import dev.bigbatch.model.Models;

/**
 * Builds a program's own network for a {@link Job}, from the shape of its input. The job calls it under the run's seed
 * (once more for ConAdv's stale copy), so the same seed gives the same initial parameters in every process.
 */
@FunctionalInterface
public interface ModelFactory {
  Model create(Models.InputSpec input);
}
