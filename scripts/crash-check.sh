#!/usr/bin/env bash
# Crash check: kill -9 the real server while a real `sensorium train` worker trains the tiny dataset, restart it,
# and show that the epochs the orphaned worker finished meanwhile were recorded (from its events.jsonl), that the run
# resumes from its checkpoint, that SQLite passes its integrity check and that the data directory is owner-only.
# Usage: scripts/crash-check.sh   (about 2 minutes on 2 cores; needs curl and python3)
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Sensorium.Web/Sensorium.Web.csproj -c Release -nologo -v q
DATA=$(mktemp -d /tmp/sensorium-crash-XXXX); PORT=${PORT:-5391}; BASE=http://127.0.0.1:$PORT
export ASPNETCORE_URLS=$BASE ASPNETCORE_ENVIRONMENT=Production Workbench__DataDirectory=$DATA FirstDataset__Preset=Tiny \
  Worker__ThreadsPerSlot=1 OMP_WAIT_POLICY=PASSIVE
APP=src/Sensorium.Web/bin/Release/net10.0/Sensorium.Web.dll
dotnet $APP > $DATA/server1.log 2>&1 & SERVER=$!
for i in $(seq 1 240); do grep -q "Dataset synthetic-tiny registered" $DATA/server1.log && break; sleep 1; done
PASS=$(grep -E "^\s+demo\s+" $DATA/server1.log | awk '{print $2}')
JAR=$DATA/jar; TOKEN=$(curl -s -c $JAR $BASE/account/signin | grep -o 'name="__RequestVerificationToken" value="[^"]*"' | sed 's/.*value="//;s/"$//')
curl -s -b $JAR -c $JAR -o /dev/null -w "signin %{http_code}\n" --data-urlencode "_handler=signin" --data-urlencode "__RequestVerificationToken=$TOKEN" --data-urlencode "Input.UserName=demo" --data-urlencode "Input.Password=$PASS" $BASE/account/signin
RUN=$(curl -s -b $JAR -H "Origin: $BASE" -H "Content-Type: application/json" -d '{"name":"crash","spec":{"dataset":{"path":"synthetic-tiny"},"trainer":{"maxEpochs":6,"patience":50}}}' $BASE/api/runs | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
echo "run $RUN"
EV=$DATA/artifacts/$RUN/events.jsonl
for i in $(seq 1 600); do [ -f $EV ] && grep -q '"type":"epoch","epoch":1,' $EV && break; sleep 0.5; done
sleep 1
WORKER=$(pgrep -f "train --spec $DATA/artifacts/$RUN/spec.json")
echo "epochs stored before kill: $(python3 -c "import sqlite3;print(sqlite3.connect('$DATA/workbench.db').execute('select group_concat(epoch) from run_epochs where run_id=$RUN').fetchone()[0])")"
kill -9 $SERVER; echo "server $SERVER killed (kill -9); worker $WORKER alive: $(kill -0 $WORKER 2>/dev/null && echo yes || echo no)"
for i in $(seq 1 600); do grep -q '"type":"epoch","epoch":3,' $EV && break; kill -0 $WORKER 2>/dev/null || break; sleep 0.5; done
echo "events log epochs while the server was away: $(grep -o '"type":"epoch","epoch":[0-9]*' $EV | sed 's/.*://' | tr '\n' ' ')"
dotnet $APP > $DATA/server2.log 2>&1 & SERVER2=$!
for i in $(seq 1 120); do grep -q "Now listening" $DATA/server2.log && break; sleep 1; done
grep -E "recorded .* epoch|old worker|queued again|succeeded" $DATA/server2.log | sed 's/^/  server2: /'
python3 - <<PY
import sqlite3
db=sqlite3.connect('$DATA/workbench.db')
print("after restart: epochs", db.execute('select group_concat(epoch) from run_epochs where run_id=$RUN').fetchone()[0], "status/best", db.execute('select status, best_score from runs where id=$RUN').fetchone())
print("integrity:", db.execute('pragma integrity_check').fetchone()[0])
PY
kill -TERM $SERVER2; wait $SERVER2 2>/dev/null
ls -ld $DATA | awk '{print "data dir mode:", $1}'; stat -c "%a %n" $DATA/workbench.db
rm -rf $DATA
