package io.github.agentmemory.redis.autoconfigure;

import java.util.Map;

import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.agentmemory.redis.test.BootLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Tests for {@link InvalidAgentMemoryRedisPropertyFailureAnalyzer}.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidAgentMemoryRedisPropertyFailureAnalyzerTests {

	@Test
	void analysisNamesThePropertyTheValueItsOriginAndTheRule() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test", Map.of("agent-memory.redis.recovery.capacity", "0")));
		TemplateContexts.runner().withPropertyValues("agent-memory.redis.recovery.capacity=0").run((context) -> {
			assertThat(context).hasFailed();
			FailureAnalysis analysis = new InvalidAgentMemoryRedisPropertyFailureAnalyzer(environment)
				.analyze(context.getStartupFailure());
			assertThat(analysis).isNotNull();
			assertThat(analysis.getDescription()).contains("Property: agent-memory.redis.recovery.capacity")
				.contains("Value: \"0\"")
				.contains("Origin: \"agent-memory.redis.recovery.capacity\" from property source \"test\"")
				.contains("Reason: must be at least 1");
			assertThat(analysis.getAction()).contains("change agent-memory.redis.recovery.capacity (it must be at least 1)");
		});
	}

	@Test
	void analysisOfARuleBetweenTwoPropertiesNamesBoth() {
		TemplateContexts.runner()
			.withPropertyValues("agent-memory.redis.retry.initial-interval=1m", "agent-memory.redis.retry.max-interval=30s")
			.run((context) -> {
				FailureAnalysis analysis = new InvalidAgentMemoryRedisPropertyFailureAnalyzer(null)
					.analyze(context.getStartupFailure());
				assertThat(analysis.getDescription()).contains("Property: agent-memory.redis.retry.initial-interval")
					.contains("Value: \"PT1M\"")
					.contains("Reason: must not exceed agent-memory.redis.retry.max-interval (PT30S)");
			});
	}

	@Test
	void otherFailuresAreLeftToOtherAnalyzers() {
		assertThat(new InvalidAgentMemoryRedisPropertyFailureAnalyzer(null).analyze(new IllegalStateException("other")))
			.isNull();
	}

	@Test
	void startupWithAnInvalidSettingPrintsTheFailureReportInsteadOfAStackTrace(CapturedOutput output) {
		SpringApplication application = new SpringApplication(RedisApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		assertThatException().isThrownBy(() -> application.run("--agent-memory.redis.recovery.capacity=0",
				"--spring.main.banner-mode=off"));
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("Invalid value for configuration property 'agent-memory.redis.recovery.capacity'")
			.contains("Value: \"0\"")
			.contains("Origin: \"agent-memory.redis.recovery.capacity\" from property source \"commandLineArgs\"")
			.contains("Reason: must be at least 1")
			.doesNotContain("Caused by");
	}

	@Configuration(proxyBeanMethods = false)
	@BootLine.ImportRedisAndTemplateAutoConfiguration
	static class RedisApplication {

	}

}
