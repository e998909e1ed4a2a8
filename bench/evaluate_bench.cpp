// What running a recipe costs per file, apart from reading and writing the
// file: the README's main job (the basic profile with its keyed pseudonyms)
// and the bundled default recipe, evaluated on in-memory copies of the
// deid-data single-frame samples. bench/run.sh times whole runs, where disk
// and page cache vary by tens of percent; this isolates the evaluator, for
// work on it. Google Benchmark; see bench/README.md.
//
//   build/bench/deid_evaluate_bench [--benchmark_repetitions=5 ...]
//   DEID_BENCH_DATA=DIR (default ../shared/data/dicom/deid-data)

#include <benchmark/benchmark.h>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "grammar/parser.hpp"
#include "interpreter/ast/combine.hpp"
#include "interpreter/eval/evaluator.hpp"
#include "interpreter/resolve/resolver.hpp"
#include "runtime/dicom/dcmtk_dataset.hpp"
#include "runtime/dictionary/dcmtk_dictionary.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = DEID_SOURCE_DIR;

fs::path sample_folder() {
    if (const char* given = std::getenv("DEID_BENCH_DATA")) {
        return given;
    }
    return kSourceDir / ".." / "shared" / "data" / "dicom" / "deid-data";
}

// The readable DICOM files under the folder, loaded whole, in name order.
const std::vector<std::unique_ptr<DcmFileFormat>>& samples() {
    static const auto files = [] {
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        std::vector<fs::path> paths;
        for (const auto& entry : fs::recursive_directory_iterator(sample_folder())) {
            if (entry.is_regular_file() && entry.path().extension() == ".dcm") {
                paths.push_back(entry.path());
            }
        }
        std::sort(paths.begin(), paths.end());
        std::vector<std::unique_ptr<DcmFileFormat>> loaded;
        for (const auto& path : paths) {
            auto file = std::make_unique<DcmFileFormat>();
            if (file->loadFile(path.c_str()).good() && file->loadAllDataIntoMemory().good()) {
                loaded.push_back(std::move(file));
            }
        }
        if (loaded.empty()) {
            std::cerr << "no DICOM sample under " << sample_folder() << " (set DEID_BENCH_DATA)\n";
            std::exit(1);
        }
        return loaded;
    }();
    return files;
}

deid::plan::Plan compile(const std::vector<std::string>& recipe_names) {
    deid::Diagnostics diagnostics;
    std::vector<deid::ast::Recipe> recipes;
    for (const auto& name : recipe_names) {
        recipes.push_back(deid::grammar::parse_recipe_file(kSourceDir / "recipes" / name, diagnostics));
    }
    auto plan = deid::resolve(deid::ast::combine(recipes, diagnostics), deid::standard_dictionary(), {}, diagnostics);
    if (diagnostics.has_errors()) {
        std::cerr << "cannot compile the bundled recipes\n";
        std::exit(1);
    }
    return plan;
}

// What a put worker evaluates with: keyed pseudonyms (as with a site key),
// a date shift, and its pattern memo, kept across files.
struct Worker {
    explicit Worker(const deid::plan::Plan& plan) : memo(plan) {
        context.pseudonym_key = key;
        context.date_shift_days = -100;
        options.pattern_memo = &memo;
        options.builtin_context = &context;
    }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    const std::string key = std::string(32, '\x5A');
    deid::stdlib::BuiltinContext context;
    deid::PatternMemo memo;
    deid::EvaluationOptions options;
};

const deid::plan::Plan& profile_plan() {
    static const auto plan = compile({"profiles/deid.profile.basic", "profiles/deid.profile.pseudonyms"});
    return plan;
}

// One file per iteration, the samples in turn; the copy of the file is made
// outside the timing, as put's load is.
void evaluate_samples(benchmark::State& state, const deid::plan::Plan& plan) {
    Worker worker(plan);  // not const: the memo learns
    std::size_t next = 0;
    std::size_t changes = 0;
    for (auto _ : state) {
        state.PauseTiming();
        DcmFileFormat file(*samples()[next++ % samples().size()]);
        state.ResumeTiming();
        deid::DcmtkDataset dataset(file);
        const auto result = deid::evaluate(plan, dataset, {}, worker.options);
        changes += result.changes.size();
        benchmark::DoNotOptimize(result);
    }
    state.counters["changes/file"] = benchmark::Counter(static_cast<double>(changes), benchmark::Counter::kAvgIterations);
    state.SetItemsProcessed(state.iterations());
}

void profile_basic(benchmark::State& state) { evaluate_samples(state, profile_plan()); }
BENCHMARK(profile_basic)->Unit(benchmark::kMicrosecond);

void bundled_default(benchmark::State& state) {
    static const auto plan = compile({"deid.dicom"});
    evaluate_samples(state, plan);
}
BENCHMARK(bundled_default)->Unit(benchmark::kMicrosecond);

// The listing every evaluation starts from, on its own: what a file costs
// before any action runs.
void list_elements(benchmark::State& state) {
    std::size_t next = 0;
    std::size_t elements = 0;
    for (auto _ : state) {
        const deid::DcmtkDataset dataset(*samples()[next++ % samples().size()]);
        const auto listed = dataset.elements();
        elements += listed.size();
        benchmark::DoNotOptimize(listed);
    }
    state.counters["elements/file"] = benchmark::Counter(static_cast<double>(elements), benchmark::Counter::kAvgIterations);
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(list_elements)->Unit(benchmark::kMicrosecond);

// What the profile costs a file apart from its elements: the plan's 600
// actions looked up, the run's own elements added.
void profile_on_empty_file(benchmark::State& state) {
    Worker worker(profile_plan());
    for (auto _ : state) {
        DcmFileFormat file;
        deid::DcmtkDataset dataset(file);
        benchmark::DoNotOptimize(deid::evaluate(profile_plan(), dataset, {}, worker.options));
    }
}
BENCHMARK(profile_on_empty_file)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
