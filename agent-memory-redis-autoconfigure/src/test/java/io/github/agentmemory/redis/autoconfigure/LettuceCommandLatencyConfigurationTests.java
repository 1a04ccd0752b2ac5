package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.agentmemory.redis.test.BootLine;
import io.lettuce.core.resource.ClientResources;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LettuceCommandLatencyConfiguration}. None needs Redis: the client
 * resources are built without connecting.
 */
class LettuceCommandLatencyConfigurationTests {

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner()
		.withConfiguration(BootLine.metricsWithLettuceMeters());

	// Boot 3.5's actuator installs a Micrometer command-latency recorder; Boot 4.1 has none
	// (it observes Lettuce through Micrometer Observation), so there only Lettuce's own
	// collector is left to switch off.

	@Test
	void offByDefaultEvenWithTheActuatorsRecorder() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean("agentMemoryRedisCommandLatencyCustomizer");
			if (BootLine.LETTUCE_METRICS_BEAN != null) {
				assertThat(context).hasBean(BootLine.LETTUCE_METRICS_BEAN);
			}
			assertThat(context.getBean(ClientResources.class).commandLatencyRecorder().isEnabled()).isFalse();
		});
	}

	@Test
	void whenEnabledTheActuatorsRecorderStays() {
		this.contextRunner.withPropertyValues("agent-memory.redis.command-latency.enabled=true").run((context) -> {
			assertThat(context).doesNotHaveBean("agentMemoryRedisCommandLatencyCustomizer");
			if (BootLine.ACTUATOR_COMMAND_LATENCY_RECORDER != null) {
				assertThat(context.getBean(ClientResources.class).commandLatencyRecorder())
					.isInstanceOf(BootLine.ACTUATOR_COMMAND_LATENCY_RECORDER)
					.satisfies((recorder) -> assertThat(recorder.isEnabled()).isTrue());
			}
		});
	}

}
