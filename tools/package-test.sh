#!/usr/bin/env bash
# Proves the LstmGen packages work from outside the repository: packs LstmGen, LstmGen.Onnx and LstmGen.Keras
# (README's pack command) under a version no cache can already hold, makes a brand-new console project in a
# temporary folder that sees only a local folder feed (for the LstmGen packages) and the machine's usual NuGet
# source (for everything else), declares models with the attribute, trains a few steps, saves, reloads, predicts,
# streams, exports to ONNX and loads it back, loads a Keras .keras file and checks its outputs, then publishes with
# NativeAOT and runs the binary. Fails if anything of the repository other than the packages (and one Keras test
# file) reaches the consumer.
# Last line: `package: passed` or `package: FAILED (reason)`.
#
#   bash tools/package-test.sh        (from the repository root, after `dotnet build LstmGen.sln -c Release`;
#                                      about 50 s on 2 cores, up to 2 min when they are busy; half of it the AOT publish)
set -uo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_GENERATE_ASPNET_CERTIFICATE=0

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/lstmgen-package-test.XXXXXX")"
feed="$work/feed" app="$work/Consumer" log="$work/log"
mkdir -p "$feed" "$app" "$log"
started=$SECONDS
cached_version_dir="" cached_satellite_dirs=() verdict=""

cleanup() {
  local status=$?
  # The unique version is never needed again: drop it from the global package cache as well.
  [ -n "$cached_version_dir" ] && rm -rf "$cached_version_dir"
  for d in "${cached_satellite_dirs[@]}"; do rm -rf "$d"; done
  rm -rf "$work"
  # Whatever stopped the script, its last line is the verdict.
  [ -n "$verdict" ] || echo "package: FAILED (the script stopped with exit code $status)"
}
trap cleanup EXIT

fail() {
  verdict=failed
  echo "package: FAILED ($*)"
  exit 1
}

# zip_list FILE / zip_read FILE ENTRY: unzip where it is installed, Python's zipfile otherwise.
zip_list() {
  if command -v unzip >/dev/null; then unzip -Z1 "$1"; else python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; fi
}
zip_read() {
  if command -v unzip >/dev/null; then unzip -p "$1" "$2"; else python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())' "$1" "$2"; fi
}
# step NAME LOGFILE COMMAND...: runs a command into its log; on failure shows the log's tail and fails.
step() {
  local name=$1 file=$2
  shift 2
  local t0=$SECONDS
  echo "=== $name"
  if ! "$@" >"$file" 2>&1; then
    tail -40 "$file"
    fail "$name"
  fi
  echo "    ($((SECONDS - t0)) s)"
}

case "$work" in "$repo"/*) fail "the temporary folder $work is inside the repository" ;; esac

# 1. Pack under a version that exists nowhere else. NuGet caches packages by id and version (in the global
#    packages folder and in http caches), so a fixed version could silently restore an older build of LstmGen.
base_version="$(dotnet msbuild "$repo/runtime/LstmGen.csproj" -getProperty:Version 2>/dev/null | tr -d '[:space:]')"
[ -n "$base_version" ] || fail "could not read the Version of runtime/LstmGen.csproj"
version="$base_version-packagetest.$(date -u +%Y%m%d%H%M%S).$$"
packages_root="$(dotnet nuget locals global-packages --list 2>/dev/null | sed -n 's/^global-packages: *//p' | tr -d '\r')"
[ -n "$packages_root" ] || fail "could not find the global packages folder (dotnet nuget locals global-packages --list)"
cached_version_dir="${packages_root%/}/lstmgen/$version"
cached_satellite_dirs=("${packages_root%/}/lstmgen.onnx/$version" "${packages_root%/}/lstmgen.keras/$version")
# After `dotnet build LstmGen.sln -c Release` (as CI runs it) the built assemblies are packed as they are, which
# also leaves the repository's obj/ restore state alone; if a source is newer than them, pack builds first.
runtime_dll="$repo/runtime/bin/Release/net10.0/LstmGen.dll" generator_dll="$repo/generator/bin/Release/netstandard2.0/LstmGen.Generator.dll"
pack_mode=(--no-build --no-restore)
if [ ! -f "$runtime_dll" ] || [ ! -f "$generator_dll" ] \
  || [ ! -f "$repo/extensions/LstmGen.Onnx/bin/Release/net10.0/LstmGen.Onnx.dll" ] || [ ! -f "$repo/extensions/LstmGen.Keras/bin/Release/net10.0/LstmGen.Keras.dll" ] \
  || [ -n "$(find "$repo/runtime" "$repo/generator" "$repo/extensions" "$repo/Directory.Build.props" "$repo/Package.props" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name 'PublicAPI.*.txt' \) -not -path '*/obj/*' -not -path '*/bin/*' \( -newer "$runtime_dll" -o -newer "$generator_dll" \) | head -1)" ]; then
  pack_mode=()
fi
step "dotnet pack LstmGen.Packages.slnf $version ${pack_mode[*]}" "$log/pack.txt" \
  dotnet pack "$repo/LstmGen.Packages.slnf" -c Release -o "$feed" -p:PackageVersion="$version" "${pack_mode[@]}"
nupkg="$feed/LstmGen.$version.nupkg"
for id in LstmGen LstmGen.Onnx LstmGen.Keras; do
  [ -f "$feed/$id.$version.nupkg" ] || fail "no $id.$version.nupkg"
  [ -f "$feed/$id.$version.snupkg" ] || fail "no symbols package $id.$version.snupkg"
done

# The package's layout: the runtime and its XML docs under lib/, the generator only under analyzers/.
contents="$(zip_list "$nupkg")"
for f in lib/net10.0/LstmGen.dll lib/net10.0/LstmGen.xml analyzers/dotnet/cs/LstmGen.Generator.dll README.md LICENSE; do
  grep -qx "$f" <<<"$contents" || fail "the package has no $f"
done
grep -q "LstmGen.Generator.dll" <<<"$(grep -v '^analyzers/dotnet/cs/' <<<"$contents")" && fail "the generator is packed outside analyzers/dotnet/cs"
nuspec="$(zip_read "$nupkg" LstmGen.nuspec)"
grep -q '<dependency id="System.Numerics.Tensors"' <<<"$nuspec" || fail "System.Numerics.Tensors is not a dependency"
grep -qi 'Microsoft.CodeAnalysis' <<<"$nuspec" && fail "the package depends on Microsoft.CodeAnalysis"
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "no MIT license expression"
grep -q '<repository type="git"' <<<"$nuspec" || fail "no repository element"
# The core package depends on nothing outside the framework but System.Numerics.Tensors; the satellites bring theirs.
[ "$(grep -c '<dependency id=' <<<"$nuspec")" -eq 1 ] || fail "the LstmGen package has dependencies besides System.Numerics.Tensors: $(grep '<dependency id=' <<<"$nuspec")"
for pair in "LstmGen.Onnx Google.Protobuf" "LstmGen.Keras PureHDF"; do
  read -r id third <<<"$pair"
  satellite="$(zip_read "$feed/$id.$version.nupkg" "$id.nuspec")"
  grep -q "<dependency id=\"LstmGen\" version=\"$version\"" <<<"$satellite" || fail "$id does not depend on LstmGen $version"
  grep -q "<dependency id=\"$third\"" <<<"$satellite" || fail "$id does not depend on $third"
  grep -qx "lib/net10.0/$id.dll" <<<"$(zip_list "$feed/$id.$version.nupkg")" || fail "$id has no lib/net10.0/$id.dll"
done

# 2. A new console project, outside the repository, that cannot see the repository's MSBuild files.
cd "$app" || fail "cd $app"
step "dotnet new console" "$log/new.txt" dotnet new console --framework net10.0 --name Consumer --output "$app"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do
  echo '<Project />' >"$app/$f"   # stops MSBuild from importing any such file above the temporary folder
done

# Sources: the local feed for LstmGen only (package source mapping), and whatever the machine restores from for the rest.
machine_sources="$(cd "$app" && dotnet nuget list source --format short 2>/dev/null | awk '$1 ~ /^E/ { print $2 }')"
[ -n "$machine_sources" ] || fail "no enabled NuGet source on this machine (dotnet nuget list source)"
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"lstmgen-local\" value=\"$feed\" />"
  i=0
  while read -r source; do
    echo "    <add key=\"machine$i\" value=\"$source\" />"; i=$((i + 1))
  done <<<"$machine_sources"
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="lstmgen-local"><package pattern="LstmGen" /><package pattern="LstmGen.Onnx" /><package pattern="LstmGen.Keras" /></packageSource>'
  i=0
  while read -r source; do
    echo "    <packageSource key=\"machine$i\"><package pattern=\"*\" /></packageSource>"; i=$((i + 1))
  done <<<"$machine_sources"
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$app/nuget.config"

for id in LstmGen LstmGen.Onnx LstmGen.Keras; do
  step "dotnet add package $id --version $version" "$log/add-$id.txt" \
    dotnet add "$app/Consumer.csproj" package "$id" --version "$version"
done
# LstmGen.Keras reads HDF5 with PureHDF, which is not annotated for trimming: the NativeAOT build leaves it (and the
# Keras part of the program) out, and proves LstmGen and LstmGen.Onnx under NativeAOT; the JIT run covers Keras.
sed -i 's|<PackageReference Include="LstmGen.Keras"|<PackageReference Condition="\x27$(PublishAot)\x27 != \x27true\x27" Include="LstmGen.Keras"|' "$app/Consumer.csproj"
grep -q 'Condition=.*Include="LstmGen.Keras"' "$app/Consumer.csproj" || fail "could not make the LstmGen.Keras reference JIT-only"
# A Keras 3 file (TensorFlow.js' Keras layers, written as Keras saves it) and its outputs, next to the program.
cp "$repo/tests/Fixtures/keras/tfjs_i3_lstm6x2_seq_dense4_softmax.keras" "$app/keras-model.keras" || fail "copy the Keras test file"
cp "$repo/tests/Fixtures/keras/tfjs_i3_lstm6x2_seq_dense4_softmax.io.safetensors" "$app/keras-model.io.safetensors" || fail "copy the Keras test outputs"

# Warnings are errors (the generated code must compile cleanly under a new project's defaults: nullable, implicit
# usings); the generated files are written to obj/ so this script can check the generator really ran.
sed -i 's|<PropertyGroup>|<PropertyGroup>\n    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>\n    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>\n    <InvariantGlobalization>true</InvariantGlobalization>\n    <!-- clang is not installed here; gcc links NativeAOT binaries as well. -->\n    <CppCompilerAndLinker>gcc</CppCompilerAndLinker>\n    <DefineConstants Condition="\x27$(PublishAot)\x27 == \x27true\x27">$(DefineConstants);WITHOUT_KERAS</DefineConstants>|' "$app/Consumer.csproj"

cat >"$app/Program.cs" <<'EOF'
// A new user of the LstmGen package: declare models, train a few steps, save, reload, predict, stream.
using System.Runtime.CompilerServices;
using LstmGen;
using LstmGen.IO;
#if !WITHOUT_KERAS
using LstmGen.Keras;
#endif
using LstmGen.Onnx;
using LstmGen.Training;
using LstmGen.Training.Optimizers;

// The task: the mean of the first input channel over a sequence of 4..12 steps.
var random = new Random(7);
var sequences = new List<float[]>();
var targets = new List<float[]>();
for (int i = 0; i < 64; i++)
{
    int steps = 4 + i % 9;
    var x = new float[steps * Averager.InputSize];
    float sum = 0;
    for (int t = 0; t < steps; t++)
    {
        x[2 * t] = (float)(random.NextDouble() * 2 - 1);
        x[2 * t + 1] = (float)(random.NextDouble() * 2 - 1);
        sum += x[2 * t];
    }
    sequences.Add(x);
    targets.Add([sum / steps]);
}
SequenceDataset data = SequenceDataset.FromFloats(sequences, Averager.InputSize, targets, HeadOn.LastStep);

var model = new Averager();
ParameterInit.Initialize(model.Shape, model.Parameters, seed: 1);
model.ParametersChanged();
var trainer = new Trainer(model, new TrainingOptions { Epochs = 8, BatchSize = 16, Seed = 1, Optimizer = new Adam(learningRate: 1e-2) });
TrainingResult result = trainer.Fit(data);
double firstLoss = result.History[0].TrainLoss, lastLoss = result.History[^1].TrainLoss;
if (!(lastLoss < firstLoss)) return Fail($"training did not lower the loss: {firstLoss} -> {lastLoss}");

// Save, load into a new instance: every prediction must be bit-for-bit the same.
string path = Path.Combine(Path.GetTempPath(), $"averager-{Environment.ProcessId}.safetensors");
model.Save(path);
var loaded = new Averager();
loaded.Load(path);
File.Delete(path);
var expected = new float[Averager.OutputSize];
var actual = new float[Averager.OutputSize];
foreach (float[] sequence in sequences)
{
    model.Predict(sequence, expected);
    loaded.Predict(sequence, actual);
    if (BitConverter.SingleToInt32Bits(expected[0]) != BitConverter.SingleToInt32Bits(actual[0]))
        return Fail($"the reloaded model predicts {actual[0]:R}, the trained one {expected[0]:R}");
}

// Streaming: one Step per sample with an explicit state ends where Predict over the whole sequence ends.
float[] first = sequences[0];
LstmState state = loaded.CreateState();
var streamed = new float[Averager.OutputSize];
for (int t = 0; t < first.Length / Averager.InputSize; t++)
    loaded.Step(first.AsSpan(t * Averager.InputSize, Averager.InputSize), streamed, state);
loaded.Predict(first, actual);
if (MathF.Abs(streamed[0] - actual[0]) > 1e-5f) return Fail($"streaming ends at {streamed[0]:R}, Predict at {actual[0]:R}");

// A second model kind (token ids, softmax head) compiles and runs from the same package.
var tagger = new Tagger();
ParameterInit.Initialize(tagger.Shape, tagger.Parameters, seed: 2);
tagger.ParametersChanged();
var probabilities = new float[Tagger.OutputSize];
tagger.Predict([1, 5, 3, 11], probabilities);
float total = probabilities[0] + probabilities[1] + probabilities[2];
if (MathF.Abs(total - 1) > 1e-5f) return Fail($"softmax probabilities sum to {total:R}");

// ONNX: export the trained model (with reference vectors), load it into a new instance: the same weights exactly.
string onnxPath = Path.Combine(Path.GetTempPath(), $"averager-{Environment.ProcessId}.onnx");
OnnxExporter.Export(model, onnxPath, new OnnxExportOptions { ReferenceVectors = ReferenceVectors.Record(model) });
var fromOnnx = new Averager();
OnnxWeights.Load(onnxPath, fromOnnx);
File.Delete(onnxPath);
if (!fromOnnx.Parameters.SequenceEqual(model.Parameters)) return Fail("the ONNX round trip changed the weights");

#if !WITHOUT_KERAS
// Keras: a .keras file's outputs, reproduced.
var keras = new KerasSequence();
KerasWeights.Load("keras-model.keras", keras);
using (SafetensorsFile io = SafetensorsFile.Open("keras-model.io.safetensors"))
{
    float[] x = io.ReadFloat32("input"), y = io.ReadFloat32("output");
    var kerasOut = new float[8 * KerasSequence.OutputSize];
    keras.Predict(x.AsSpan(0, 8 * KerasSequence.InputSize), kerasOut);
    for (int i = 0; i < kerasOut.Length; i++)
        if (MathF.Abs(kerasOut[i] - y[i]) > 1e-5f) return Fail($"the Keras model's output {i} is {kerasOut[i]:R}, Keras computed {y[i]:R}");
}
const string keras_checked = " keras=ok";
#else
const string keras_checked = "";
#endif

loaded.Predict([0.5f, -1f, 0.5f, 1f, 0.5f, 0f, 0.5f, 0.25f], actual);
string mode = RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "NativeAOT";
Console.WriteLine($"consumer: ok mode={mode} first_loss={firstLoss:F5} last_loss={lastLoss:F5} reloaded_identical={sequences.Count} prediction={actual[0]:F4} onnx=ok{keras_checked}");
return 0;

static int Fail(string message)
{
    Console.WriteLine($"consumer: FAILED {message}");
    return 1;
}

/// <summary>Two floats per step → LSTM(16) → one value.</summary>
[LstmModel(Inputs = 2, Hidden = 16, Outputs = 1)]
public partial class Averager;

/// <summary>Token ids 0..11 → 4-wide embedding → LSTM(8) → 3 class probabilities.</summary>
[LstmModel(Vocabulary = 12, Embedding = 4, Hidden = 8, Outputs = 3, Head = Head.Softmax)]
public partial class Tagger;

/// <summary>The Keras file's model: LSTM(6, return_sequences) × 2 → Dense(4, softmax) at every step.</summary>
[LstmModel(Inputs = 3, Hidden = 6, Layers = 2, Outputs = 4, Head = Head.Softmax, HeadOn = HeadOn.EveryStep)]
public partial class KerasSequence;
EOF

# 3. Build and run with the JIT.
step "dotnet build" "$log/build.txt" dotnet build "$app/Consumer.csproj" -c Release
grep -qE "warning [A-Z]+[0-9]+" "$log/build.txt" && { grep -E "warning [A-Z]+[0-9]+" "$log/build.txt" | head; fail "the consumer build has warnings"; }
generated="$(find "$app/obj" -path "*generated*LstmGen.Generator*" -name "*.g.cs" | sort)"
# Each of these small models is six files: the main one, its inference kernels and its training kernels (generic over the
# vector width), and its register tiles for Vector512, Vector256 and Vector128.
[ "$(grep -c . <<<"$generated")" -eq 18 ] || fail "expected 18 generated files (3 models × 6) under obj/, found: $generated"
for model in Averager Tagger KerasSequence; do # global namespace: hint names {Type}[.{Part}].g.cs
  for part in "" .Kernels .Training .Vector512 .Vector256 .Vector128; do
    grep -q "/$model$part\.g\.cs\$" <<<"$generated" || fail "no generated $model$part.g.cs under obj/, found: $generated"
  done
done
step "dotnet run (JIT)" "$log/run-jit.txt" dotnet run --project "$app/Consumer.csproj" -c Release --no-build
cat "$log/run-jit.txt"
grep -qE "^consumer: ok mode=JIT .* onnx=ok keras=ok$" "$log/run-jit.txt" || fail "the JIT run did not print 'consumer: ok mode=JIT … onnx=ok keras=ok'"

# 4. Nothing of the repository but the package: no project reference, no path into the repository, the
#    package restored from the local feed into the cache under its unique version, Roslyn not a dependency.
assets="$app/obj/project.assets.json"
[ -f "$assets" ] || fail "no $assets"
grep -q "ProjectReference" "$app/Consumer.csproj" && fail "the consumer has a ProjectReference"
grep -q '"type": "project"' "$assets" && fail "project.assets.json lists a project reference"
for f in "$assets" "$app"/obj/*.nuget.g.props "$app"/obj/*.nuget.g.targets "$app/Consumer.csproj"; do
  grep -qF "$repo" "$f" && fail "$(basename "$f") mentions the repository path $repo"
done
grep -q "\"LstmGen/$version\"" "$assets" || fail "project.assets.json does not list LstmGen/$version"
grep -qi '"Microsoft.CodeAnalysis' "$assets" && fail "Microsoft.CodeAnalysis reached the consumer's dependencies"
grep -qF "\"${packages_root%/}/\"" "$assets" || fail "project.assets.json does not restore from the global packages folder $packages_root"
[ -f "$cached_version_dir/analyzers/dotnet/cs/LstmGen.Generator.dll" ] || fail "the generator is not in the restored package at $cached_version_dir"
cmp -s "$cached_version_dir/lstmgen.$version.nupkg" "$nupkg" || fail "the restored package is not the one just packed"
for id in LstmGen.Onnx LstmGen.Keras; do
  grep -q "\"$id/$version\"" "$assets" || fail "project.assets.json does not list $id/$version"
done

# 5. NativeAOT: publish, run the binary.
rid="$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')"
[ -n "$rid" ] || fail "could not read the RID from dotnet --info"
step "dotnet publish -r $rid -p:PublishAot=true" "$log/publish.txt" \
  dotnet publish "$app/Consumer.csproj" -c Release -r "$rid" -p:PublishAot=true -o "$work/publish"
grep -qE "warning [A-Z]+[0-9]+" "$log/publish.txt" && { grep -E "warning [A-Z]+[0-9]+" "$log/publish.txt" | head; fail "the NativeAOT publish has warnings"; }
binary="$work/publish/Consumer"
[ -x "$binary" ] || fail "no published binary at $binary"
[ -f "$work/publish/LstmGen.dll" ] && fail "the publish is not NativeAOT (LstmGen.dll next to the binary)"
echo "=== running the NativeAOT binary ($(stat -c %s "$binary") bytes)"
"$binary" >"$log/run-aot.txt" 2>&1 || { cat "$log/run-aot.txt"; fail "the NativeAOT binary exited with an error"; }
cat "$log/run-aot.txt"
grep -qE "^consumer: ok mode=NativeAOT .* onnx=ok$" "$log/run-aot.txt" || fail "the NativeAOT binary did not print 'consumer: ok mode=NativeAOT'"

echo "package test took $((SECONDS - started)) s"
verdict=passed
echo "package: passed"
