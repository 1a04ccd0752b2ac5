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
 * The sample app configured with a wrong password: every request gets an error that
 * names the settings to check, the circuit stays closed, writes are not queued, and
 * neither password shows up in a response or a log line.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=env,configprops,health")
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext
class WrongPasswordEndToEndTests {

	private static final String WRONG_PASSWORD = "wr0ng-Pa55word";

	@RegisterExtension
	static final PasswordProtectedRedis redis = new PasswordProtectedRedis();

	private final AgentRequests app;

	WrongPasswordEndToEndTests(@Autowired TestRestTemplate http) {
		this.app = new AgentRequests(http);
	}

	@DynamicPropertySource
	static void redisProperties(DynamicPropertyRegistry registry) {
		redis.register(registry, WRONG_PASSWORD);
	}

	@Test
	void everyRequestGetsAnAuthenticationErrorAndNoPasswordIsShown(CapturedOutput output) {
		for (int i = 0; i < 5; i++) {
			ResponseEntity<String> read = this.app.get("/agents/7/state");
			assertThat(read.getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
			assertThat(read.getBody()).contains("WRONGPASS").contains("spring.data.redis.password");
		}
		ResponseEntity<String> write = this.app.putState("7", "{\"health\":\"90\"}");
		assertThat(write.getBody()).contains("\"outcome\":\"FAILED\"").doesNotContain("QUEUED");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.app.get("/actuator/health/agentMemoryRedis").getBody())
				.contains("\"status\":\"DOWN\"")
				.contains("\"state\":\"CLOSED\"")
				.contains("WRONGPASS"));
		for (String url : new String[] { "/actuator/health", "/actuator/env", "/actuator/configprops" }) {
			assertThat(this.app.get(url).getBody()).as(url)
				.doesNotContain(WRONG_PASSWORD)
				.doesNotContain(PasswordProtectedRedis.PASSWORD);
		}
		assertThat(output.getAll()).contains("WRONGPASS")
			.doesNotContain(WRONG_PASSWORD)
			.doesNotContain(PasswordProtectedRedis.PASSWORD);
	}

}
