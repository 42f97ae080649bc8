# The worker (and every other outbox command) in a container. UNTESTED HERE: the machines this
# project is built on have no Docker engine, so this file has never been built or run. It only
# does what bin/outbox does: build with Maven, run the thin jar with its lib/ directory.
#
#   docker build -t webhook-outbox .
#   docker run --rm --env-file /etc/webhook-outbox/env webhook-outbox migrate
#   docker run -d --name outbox-worker --env-file /etc/webhook-outbox/env -p 9464:9464 \
#       webhook-outbox worker --http-port 9464 --log-format json
#
# The env file holds OUTBOX_DATABASE_URL (and _USER/_PASSWORD) and OUTBOX_SECRET_KEY; see the
# README, "Running the worker". `docker stop` sends SIGTERM and waits 10 s by default: give it
# more than --shutdown-grace (20 s), e.g. `docker stop -t 40` or stop_grace_period: 40s.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY jooq-codegen ./jooq-codegen
COPY migrations ./migrations
COPY src/main ./src/main
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 outbox
WORKDIR /app
COPY --from=build /src/target/webhook-outbox.jar ./webhook-outbox.jar
COPY --from=build /src/target/lib ./lib
USER outbox
# One JSON object per log line for the container's log collector; override with -e OUTBOX_LOG_FORMAT=text.
ENV OUTBOX_LOG_FORMAT=json
EXPOSE 9464
# Java 17 sizes its heap from the container's memory limit; the worker needs little (README,
# "Reliability and security"). Options go here, not in JAVA_TOOL_OPTIONS, which the JVM echoes
# on stderr as a line that is not JSON.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-Dorg.jooq.no-logo=true", "-Dorg.jooq.no-tips=true", \
            "-jar", "/app/webhook-outbox.jar"]
CMD ["worker"]
