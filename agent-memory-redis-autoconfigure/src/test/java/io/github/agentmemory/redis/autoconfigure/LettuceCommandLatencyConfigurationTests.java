package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.test.TemplateContexts;
import io.lettuce.core.metrics.MicrometerCommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.redis.LettuceMetricsAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LettuceCommandLatencyConfiguration}. None needs Redis: the client
 * resources are built without connecting.
 */
class LettuceCommandLatencyConfigurationTests {

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				LettuceMetricsAutoConfiguration.class));

	@Test
	void offByDefaultEvenWithTheActuatorsRecorder() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasBean("agentMemoryRedisCommandLatencyCustomizer").hasBean("lettuceMetrics");
			assertThat(context.getBean(ClientResources.class).commandLatencyRecorder().isEnabled()).isFalse();
		});
	}

	@Test
	void whenEnabledTheActuatorsRecorderStays() {
		this.contextRunner.withPropertyValues("agent-memory.redis.command-latency.enabled=true").run((context) -> {
			assertThat(context).doesNotHaveBean("agentMemoryRedisCommandLatencyCustomizer");
			assertThat(context.getBean(ClientResources.class).commandLatencyRecorder())
				.isInstanceOf(MicrometerCommandLatencyRecorder.class)
				.satisfies((recorder) -> assertThat(recorder.isEnabled()).isTrue());
		});
	}

}
