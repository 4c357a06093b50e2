/**
 * Training data: reading datasets into memory, the per-epoch distributed sampler, augmentation,
 * normalisation and background decoding of batches.
 *
 * <p>The trainer reads a {@link dev.bigbatch.data.Dataset}: examples by index as float32 values with a label, each
 * dataset doing its own augmentation and normalisation as a function of (index, epoch). The built-in image datasets are
 * {@link dev.bigbatch.data.ImageExamples} (in-memory uint8 pixels, per-channel normalisation, crop + flip).
 *
 * <p><b>Owns:</b> the on-disk formats (IDX for MNIST/Fashion-MNIST, CIFAR-10 binary, class-per-directory
 * image folders), validation of those files ({@link dev.bigbatch.data.DataFormatException} names the file
 * and the problem on one line), the order in which examples are visited ({@link
 * dev.bigbatch.data.DistributedSampler}: shuffle with a seed shared by all workers, drop the last partial
 * global batch, k disjoint contiguous shards of n), and turning index batches into normalised float32 NCHW
 * buffers ({@link dev.bigbatch.data.BatchDecoder}, {@link dev.bigbatch.data.Prefetcher}).
 *
 * <p><b>Must not know:</b> LibTorch/JavaCPP (a {@link dev.bigbatch.data.Batch} is a plain direct
 * {@link java.nio.FloatBuffer} plus {@code long[]} labels; the engine wraps it), the trainer, the model, the
 * optimiser or the network. Randomness is always an explicit seed: the order of epoch e is a function of
 * (seed, e) and the augmentation of example i in epoch e is a function of (seed, e, i), so a resumed run
 * sees exactly the data an uninterrupted one would, and k workers with n examples each see exactly what one
 * process with kn examples sees.
 */
package dev.bigbatch.data;
