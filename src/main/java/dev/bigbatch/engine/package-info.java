/**
 * Thin helpers over LibTorch (JavaCPP presets): native extraction and loading, the start-up check that LibTorch's
 * convolutions are correct on this CPU ({@link dev.bigbatch.engine.ConvolutionCheck}), thread count, seeding,
 * zero-copy tensor ↔ direct-buffer views and memory scopes. The only package that knows JavaCPP
 * idioms in depth; it knows nothing about models, optimizers, data or the network.
 */
package dev.bigbatch.engine;
