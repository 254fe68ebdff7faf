package dev.spindle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spindle.model.gpt.Gpt;
import dev.spindle.model.gpt.GptConfig;
import dev.spindle.model.mlp.Mlp;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void defaultsHoldGptAndMlp() {
        assertEquals(List.of("gpt", "mlp"), List.copyOf(ModelRegistry.defaults().names()));
    }

    @Test
    void registeringADuplicateNameIsRejected() {
        ModelRegistry registry = ModelRegistry.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.register(Mlp.ARCHITECTURE));
        assertTrue(e.getMessage().contains("'mlp' is already registered"), e.getMessage());
        assertEquals(Set.of("gpt", "mlp"), registry.names());
    }

    @Test
    void validConfigurationHasNoProblems() throws Exception {
        assertEquals(List.of(), ModelRegistry.defaults().validate("gpt", json("{\"layers\": 2, \"heads\": 8}")));
        assertEquals(List.of(), ModelRegistry.defaults().validate("gpt", null));
        assertEquals(List.of(), ModelRegistry.defaults().validate("mlp", json("{\"inputs\": 4, \"classes\": 2}")));
    }

    @Test
    void unknownArchitectureListsTheKnownOnes() throws Exception {
        assertEquals(List.of("spec.model.architecture: got 'bert', expected one of [gpt, mlp]"),
                ModelRegistry.defaults().validate("bert", json("{}")));
    }

    @Test
    void badValuesAndUnknownKeysAreReportedTogether() throws Exception {
        List<String> problems = ModelRegistry.defaults()
                .validate("gpt", json("{\"heads\": 3, \"layerz\": 2, \"dropout\": 1.5}"));
        assertTrue(problems.contains("spec.model.config.layerz: unknown key, expected one of [vocabSize, "
                + "contextLength, layers, heads, hiddenSize, tiedHead, dropout, layerNormEps]"), problems.toString());
        assertTrue(problems.contains("spec.model.config.heads: got 3, expected a divisor of hiddenSize (128)"),
                problems.toString());
        assertTrue(problems.contains("spec.model.config.dropout: got 1.5, expected a probability in [0, 1)"),
                problems.toString());
        assertEquals(3, problems.size(), problems.toString());
    }

    @Test
    void valuesOfTheWrongTypeAreNotCoerced() throws Exception {
        ModelRegistry registry = ModelRegistry.defaults();
        assertEquals(List.of("spec.model.config.heads: got \"four\", expected an integer"),
                registry.validate("gpt", json("{\"heads\": \"four\"}")));
        assertEquals(1, registry.validate("gpt", json("{\"layers\": 2.5}")).size());
        assertEquals(List.of("spec.model.config.hidden[1]: got -1, expected a positive layer width"),
                registry.validate("mlp", json("{\"inputs\": 4, \"hidden\": [8, -1], \"classes\": 3}")));
    }

    @Test
    void missingRequiredMlpFieldsAreNamed() throws Exception {
        assertEquals(List.of("spec.model.config.classes: missing, expected a positive number of classes"),
                ModelRegistry.defaults().validate("mlp", json("{\"inputs\": 4}")));
    }

    @Test
    void configurationNotAnObjectIsAProblem() throws Exception {
        List<String> problems = ModelRegistry.defaults().validate("gpt", json("[1, 2]"));
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).startsWith("spec.model.config: got array [1,2], expected an object"), problems.get(0));
    }

    @Test
    void createFillsAbsentFieldsWithDefaults() throws Exception {
        try (NDManager manager = NDManager.newBaseManager();
                Model model = ModelRegistry.defaults().create("gpt",
                        json("{\"vocabSize\": 10, \"layers\": 1, \"heads\": 2, \"hiddenSize\": 8}"), manager)) {
            GptConfig config = ((Gpt) model).config();
            assertEquals(new GptConfig(10, GptConfig.DEFAULT_CONTEXT_LENGTH, 1, 2, 8, GptConfig.DEFAULT_TIED_HEAD,
                    GptConfig.DEFAULT_DROPOUT, GptConfig.DEFAULT_LAYER_NORM_EPS), config);
            assertEquals(10, model.inputSize());
        }
    }

    @Test
    void createOnInvalidConfigurationCarriesValidatesLines() throws Exception {
        JsonNode config = json("{\"heads\": 0, \"extra\": true}");
        ModelRegistry registry = ModelRegistry.defaults();
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelConfigException e = assertThrows(ModelConfigException.class,
                    () -> registry.create("gpt", config, manager));
            assertEquals(registry.validate("gpt", config), e.problems());
            assertEquals(2, e.problems().size(), e.problems().toString());
        }
    }
}
