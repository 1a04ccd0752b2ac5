package io.github.agentmemory.sample.security;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app on a Redis that requires a password, with {@code env},
 * {@code configprops} and {@code health} exposed and Spring Boot's defaults otherwise
 * ({@code management.endpoint.env.show-values} and
 * {@code management.endpoint.configprops.show-values} are {@code never}): the password
 * works and shows up in no endpoint and no log line, also while Redis is down.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=env,configprops,health",
				"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s" })
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class PasswordNotExposedEndToEndTests {

	private static final String PASSWORD = PasswordProtectedRedis.PASSWORD;

	@RegisterExtension
	static final PasswordProtectedRedis redis = new PasswordProtectedRedis();

	private final AgentRequests app;

	PasswordNotExposedEndToEndTests(@Autowired TestRestTemplate http) {
		this.app = new AgentRequests(http);
	}

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		redis.register(registry, PASSWORD);
	}

	@Test
	void thePasswordWorksAndNoEndpointShowsIt(CapturedOutput output) {
		ResponseEntity<String> stored = this.app.putState("7", "{\"position\":\"10,20\"}");
		assertThat(stored.getBody()).contains("\"outcome\":\"APPLIED\"");
		assertThat(this.app.get("/agents/7/state").getBody()).contains("10,20");

		ResponseEntity<String> property = this.app.get("/actuator/env/spring.data.redis.password");
		assertThat(property.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(property.getBody()).contains("\"value\":\"******\"").doesNotContain(PASSWORD);
		assertThat(this.app.get("/actuator/env").getBody()).contains("spring.data.redis.password")
			.doesNotContain(PASSWORD);
		assertThat(this.app.get("/actuator/configprops").getBody()).contains("\"password\":\"******\"")
			.doesNotContain(PASSWORD);
		assertThat(this.app.get("/actuator/configprops/spring.data.redis").getBody()).contains("\"password\":\"******\"")
			.doesNotContain(PASSWORD);
		ResponseEntity<String> health = this.app.get("/actuator/health");
		assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(health.getBody()).contains("agentMemoryRedis").doesNotContain(PASSWORD);
		assertThat(output.getAll()).doesNotContain(PASSWORD);
	}

	@Test
	void whileRedisIsDownNeitherTheEndpointsNorTheLogsShowThePassword(CapturedOutput output) {
		assertThat(this.app.putState("8", "{\"health\":\"90\"}").getBody()).contains("\"outcome\":\"APPLIED\"");
		redis.stop();
		try {
			ResponseEntity<String> read = this.app.get("/agents/8/state");
			assertThat(read.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
			assertThat(read.getBody()).doesNotContain(PASSWORD);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(this.app.get("/actuator/health/agentMemoryRedis").getBody())
					.contains("\"unavailable\""));
			ResponseEntity<String> health = this.app.get("/actuator/health");
			assertThat(health.getStatusCode()).as("the service still serves").isEqualTo(HttpStatus.OK);
			assertThat(health.getBody()).doesNotContain(PASSWORD);
			assertThat(this.app.get("/actuator/env").getBody()).doesNotContain(PASSWORD);
			assertThat(this.app.get("/actuator/configprops").getBody()).doesNotContain(PASSWORD);
		}
		finally {
			redis.start();
		}
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.alias("reconnected with the password to the restarted (empty) Redis")
			.untilAsserted(
					() -> assertThat(this.app.get("/agents/8/state").getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND));
		assertThat(output.getAll()).contains("Redis").doesNotContain(PASSWORD);
	}

}
