package dev.spindle.model;

import ai.djl.ndarray.NDManager;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * One kind of model that a job spec can name, with the record its {@code spec.model.config} node
 * binds to.
 *
 * <pre>{@code
 * Architecture<MlpConfig> mlp = Mlp.ARCHITECTURE;
 * Model model = mlp.create(new MlpConfig(784, List.of(512), 10), manager);
 * }</pre>
 *
 * @param <C> the configuration record; it validates itself and throws {@link ModelConfigException}
 */
public interface Architecture<C extends Record> {

    /** The name a spec uses, e.g. {@code gpt}. */
    String name();

    /** The record that {@code spec.model.config} binds to. */
    Class<C> configType();

    /**
     * Builds a model whose parameters live in a sub-manager of {@code manager}, initialised from the
     * engine's random generator (seed it first with {@code Engine.getInstance().setRandomSeed}).
     */
    Model create(C config, NDManager manager);

    /**
     * An architecture from its name, config record and constructor, e.g.
     * {@code Architecture.of("mlp", MlpConfig.class, Mlp::new)}.
     */
    static <C extends Record> Architecture<C> of(String name, Class<C> configType,
            BiFunction<C, NDManager, ? extends Model> factory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(configType, "configType");
        Objects.requireNonNull(factory, "factory");
        return new Architecture<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Class<C> configType() {
                return configType;
            }

            @Override
            public Model create(C config, NDManager manager) {
                return factory.apply(config, manager);
            }
        };
    }
}
