"""The built-in rules, registered under the ``debtscan.rules`` entry point group like any plugin."""
from debtscan.rules.glue import GlueHeavyModule, RepeatedGlue, RepoGlueRatio
from debtscan.rules.jungle import (
    FileCycle, HardCodedPath, IntermediateFileHandoff, JoinOfIntermediates, JungleChain, MultipleWriters,
    ReadBeforeWrite,
)
from debtscan.rules.external import (
    HardCodedThreshold, PredictionFeedbackLoop, ScatteredThreshold, UnmonitoredPredictions, UnstableDataDependency,
    UnvalidatedPredictionInput,
)
from debtscan.rules.configuration import DuplicatedConfig, ForeignConstant, ScatteredHyperparameter
from debtscan.rules.copies import CopiedExperiment
from debtscan.rules.dead import AbandonedFolder, ConstantFlag, UnreachableCode, UnrunScript, UnusedFunction
from debtscan.rules.meta import UnusedSuppression
from debtscan.rules.signals import CorrectionCascade, EntangledFeatureSet, SharedInputSignal, UndeclaredConsumer

RULES = [
    UnusedSuppression,
    IntermediateFileHandoff,
    JungleChain,
    MultipleWriters,
    JoinOfIntermediates,
    HardCodedPath,
    FileCycle,
    ReadBeforeWrite,
    GlueHeavyModule,
    RepeatedGlue,
    RepoGlueRatio,
    SharedInputSignal,
    CorrectionCascade,
    UndeclaredConsumer,
    EntangledFeatureSet,
    AbandonedFolder,
    UnreachableCode,
    UnusedFunction,
    UnrunScript,
    ConstantFlag,
    CopiedExperiment,
    ScatteredHyperparameter,
    DuplicatedConfig,
    ForeignConstant,
    HardCodedThreshold,
    ScatteredThreshold,
    UnvalidatedPredictionInput,
    UnmonitoredPredictions,
    PredictionFeedbackLoop,
    UnstableDataDependency,
]
