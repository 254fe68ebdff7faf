/** Multi-layer perceptron ({@link dev.spindle.model.mlp.Mlp}) for tabular data, named as torch.nn.Linear layers. */
package dev.spindle.model.mlp;
