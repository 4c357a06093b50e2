/**
 * Large-batch optimizers acting in place on a model's named, grouped parameters: momentum SGD in the
 * form of Goyal et al. (with momentum correction), LARS and LAMB. Each Javadoc states the exact
 * update. Knows nothing about data, schedules (the learning rate is an argument of {@code step}) or
 * the network.
 */
package dev.bigbatch.optim;
