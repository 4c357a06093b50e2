/**
 * Networks built from LibTorch functional ops with explicitly named, ordered and grouped parameters:
 * CIFAR-style ResNets for 28×28/32×32 inputs, an MLP, ImageNet ResNet-50 and an LSTM classifier.
 * Owns per-worker ("ghost") batch normalisation and zero-γ initialisation. Knows nothing about
 * optimizers, data files, the trainer or the network.
 */
package dev.bigbatch.model;
