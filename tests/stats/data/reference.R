# Reference numbers from R's survey package for tests/stats (run from the repository root):
#   Rscript tests/stats/data/reference.R
# Reads the synthetic data written by generate.py and writes reference.csv (name,value).
suppressPackageStartupMessages(library(survey))
options(survey.lonely.psu = "fail")
here <- "tests/stats/data"
out <- list()
put <- function(name, value) out[[name]] <<- unname(as.numeric(value))
stat <- function(prefix, s) {
  put(paste0(prefix, ".est"), coef(s))
  put(paste0(prefix, ".se"), SE(s))
}
ciprop <- function(prefix, formula, design) {
  ci <- svyciprop(formula, design, method = "logit")
  put(paste0(prefix, ".est"), ci)
  put(paste0(prefix, ".low"), attr(ci, "ci")[1])
  put(paste0(prefix, ".high"), attr(ci, "ci")[2])
}
chisq <- function(prefix, design) {
  f <- svychisq(~a + b, design, statistic = "F")
  put(paste0(prefix, ".F"), f$statistic)
  put(paste0(prefix, ".ndf"), f$parameter["ndf"])
  put(paste0(prefix, ".ddf"), f$parameter["ddf"])
  put(paste0(prefix, ".p"), f$p.value)
  c1 <- svychisq(~a + b, design, statistic = "Chisq")
  put(paste0(prefix, ".X2"), c1$statistic)
  put(paste0(prefix, ".chisq_df"), c1$parameter)
  put(paste0(prefix, ".chisq_p"), c1$p.value)
}
likert <- function(prefix, design) {
  # Likert scores 1-5; "dk" and skipped answers are outside the base (a domain).
  d <- subset(design, answered)
  stat(paste0(prefix, ".likert_mean"), svymean(~score, d))
  stat(paste0(prefix, ".likert_top2"), svymean(~I(as.numeric(score >= 4)), d))
  stat(paste0(prefix, ".likert_bottom2"), svymean(~I(as.numeric(score <= 2)), d))
  stat(paste0(prefix, ".likert_net"), svymean(~I(sign(score - 3)), d))
}
scored <- function(data) {
  data$answered <- data$likert %in% as.character(1:5)
  data$score <- ifelse(data$answered, suppressWarnings(as.numeric(data$likert)), 0)
  data
}
standard <- function(prefix, design) {
  stat(paste0(prefix, ".mean_y"), svymean(~y, design))
  stat(paste0(prefix, ".total_y"), svytotal(~y, design))
  stat(paste0(prefix, ".mean_x"), svymean(~x, design))
  shares <- svymean(~a, design)
  for (level in paste0("a", 1:5)) {
    put(paste0(prefix, ".share_", level, ".est"), coef(shares)[paste0("a", level)])
    put(paste0(prefix, ".share_", level, ".se"), SE(shares)[paste0("a", level)])
  }
  ciprop(paste0(prefix, ".ciprop_x"), ~x, design)
  by <- svyby(~y, ~b, design, svymean)
  by_se <- setNames(as.vector(SE(by)), names(coef(by)))
  for (level in c("maybe", "no", "yes")) {
    put(paste0(prefix, ".by_", level, ".est"), coef(by)[level])
    put(paste0(prefix, ".by_", level, ".se"), by_se[level])
  }
  q <- svyquantile(~y, design, c(0.25, 0.5))$y
  for (i in 1:2) {
    name <- paste0(prefix, ".quantile_", c("25", "50")[i])
    put(paste0(name, ".est"), q[i, "quantile"])
    put(paste0(name, ".low"), q[i, 2])
    put(paste0(name, ".high"), q[i, 3])
    put(paste0(name, ".se"), q[i, "se"])
  }
  chisq(prefix, design)
  likert(prefix, design)
  put(paste0(prefix, ".df"), degf(design))
}

strat <- scored(read.csv(file.path(here, "stratified.csv"), colClasses = c(likert = "character")))
standard("stratified", svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = strat))

clus <- scored(read.csv(file.path(here, "clustered.csv"), colClasses = c(likert = "character")))
standard("clustered", svydesign(id = ~cluster, strata = ~stratum, fpc = ~Npsu, data = clus))
standard("cluster1", svydesign(id = ~cluster, fpc = ~Nclubs, data = clus))

panel <- scored(read.csv(file.path(here, "panel.csv"), colClasses = c(likert = "character")))
standard("srs", svydesign(id = ~1, fpc = ~N, data = panel))
weighted <- svydesign(id = ~1, weights = ~w, fpc = ~N, data = panel)
standard("weighted", weighted)

sex <- data.frame(sex = c("F", "M"), Freq = c(1650, 1350))
age <- data.frame(age = c("18-34", "35-49", "50-64", "65+"), Freq = c(600, 750, 900, 750))
region <- data.frame(region = c("centre", "east", "west"), Freq = c(1400, 950, 650))

raked <- rake(weighted, list(~sex, ~age), list(sex, age),
              control = list(maxit = 200, epsilon = 1e-12))
stat("rake.mean_y", svymean(~y, raked))
stat("rake.total_y", svytotal(~y, raked))
ciprop("rake.ciprop_x", ~x, raked)
put("rake.weights_head", weights(raked)[1:5])

totals <- c(`(Intercept)` = 3000, sexM = 1350, `age35-49` = 750, `age50-64` = 900, `age65+` = 750)
calibrated <- calibrate(weighted, ~sex + age, totals, calfun = "raking", epsilon = 1e-12, maxit = 200)
standard("calibrated", calibrated)
put("calibrated.weights_head", weights(calibrated)[1:5])

post <- postStratify(weighted, ~region, region)
standard("post", post)
put("post.weights_head", weights(post)[1:5])

# Ranking questions (ranked.csv): "b a c" ranks b first. Over those who answered (a domain),
# the mean rank of each item (1 = first) and the share ranking it first. An item left out of a
# partial ranking takes the mean of the positions left (a, b of a, b, c, d: c and d rank 3.5).
ranked_items <- c("a", "b", "c", "d")
ranks <- function(data) {
  tokens <- strsplit(trimws(data$rank), "[[:space:]]+")
  data$answered <- lengths(tokens) > 0
  k <- length(ranked_items)
  for (item in ranked_items) {
    data[[paste0("rank_", item)]] <- vapply(tokens, function(t) {
      if (length(t) == 0) return(0)
      at <- match(item, t)
      if (is.na(at)) mean(seq(length(t) + 1, k)) else at
    }, numeric(1))
    data[[paste0("first_", item)]] <- vapply(tokens, function(t) {
      as.numeric(length(t) > 0 && t[1] == item)
    }, numeric(1))
  }
  data
}
ranking <- function(prefix, design) {
  d <- subset(design, answered)
  for (item in ranked_items) {
    name <- paste0(prefix, ".rank_mean_", item)
    m <- svymean(as.formula(paste0("~rank_", item)), d)
    stat(name, m)
    put(paste0(name, ".low"), confint(m)[1])
    put(paste0(name, ".high"), confint(m)[2])
    first <- as.formula(paste0("~first_", item))
    name <- paste0(prefix, ".rank_first_", item)
    # svyglm warns that the rows outside the domain (weight 0) leave its dispersion: as meant.
    suppressWarnings(ciprop(name, first, d))
    put(paste0(name, ".se"), SE(svymean(first, d)))
  }
  put(paste0(prefix, ".rank_n"), sum(weights(d) > 0))
  put(paste0(prefix, ".rank_weighted_n"), sum(weights(d)))
  put(paste0(prefix, ".rank_df"), degf(d))
}
rk <- ranks(read.csv(file.path(here, "ranked.csv"), colClasses = c(rank = "character")))
ranking("stratified", svydesign(id = ~1, strata = ~stratum, fpc = ~N, weights = ~w, data = rk))
ranking("clustered",
        svydesign(id = ~cluster, strata = ~stratum, fpc = ~Npsu, weights = ~w, data = rk))
cluster1 <- svydesign(id = ~cluster, fpc = ~Nclubs, weights = ~w, data = rk)
ranking("cluster1", cluster1)
members <- data.frame(stratum = c("north", "south"), Freq = c(700, 1100))
ranking("post", postStratify(cluster1, ~stratum, members))

# Repeats (stats/instances.py): statistics over the instances of a repeat group (sites), each
# response the cluster of its instances. instances.csv has one row per instance;
# instance_responses.csv every response, some with no instance. Each of those gets one empty row
# here, so that it stays a sampled PSU of the instance-level design as it is of the
# response-level one: dropping it would change n_h, the fpc and the degrees of freedom.
site_kinds <- c("office", "home", "cowork")
site_uses <- c("wifi", "printer", "parking")
inst_resp <- read.csv(file.path(here, "instance_responses.csv"))
inst <- read.csv(file.path(here, "instances.csv"), colClasses = c(kind = "character"))
inst$instance <- TRUE
empty <- inst_resp[inst_resp$instances == 0, c("response", "stratum", "w", "N")]
empty$instance <- FALSE
for (column in c("kind", "seats", paste0("uses_", site_uses))) empty[[column]] <- NA
inst <- rbind(inst, empty[names(inst)])
# Unanswered rows take a placeholder value; subset() gives them weight 0 (outside the base).
inst$kind_answered <- !is.na(inst$kind) & inst$kind != ""
inst$kind <- factor(ifelse(inst$kind_answered, inst$kind, "office"), levels = site_kinds)
inst$seats_answered <- !is.na(inst$seats)
inst$seats[!inst$seats_answered] <- 0
inst$uses_answered <- !is.na(inst$uses_wifi)
for (use in site_uses) inst[[paste0("uses_", use)]][!inst$uses_answered] <- 0
# Each response's totals over its instances, for the ratio estimators at the response level.
per_response <- function(x) {
  as.numeric(tapply(x, factor(inst$response, levels = inst_resp$response), sum))
}
inst_resp$kind_n <- per_response(inst$kind_answered)
for (kind in site_kinds) {
  inst_resp[[paste0("kind_", kind)]] <- per_response(inst$kind_answered & inst$kind == kind)
}
inst_resp$seats_n <- per_response(inst$seats_answered)
inst_resp$seats_sum <- per_response(inst$seats)
inst_resp$uses_n <- per_response(inst$uses_answered)
for (use in site_uses) {
  inst_resp[[paste0("uses_", use)]] <- per_response(inst[[paste0("uses_", use)]])
}
stopifnot(all(inst_resp$instances == per_response(inst$instance)))
over_instances <- function(prefix, design) {
  d <- subset(design, kind_answered)
  shares <- svymean(~kind, d)
  for (kind in site_kinds) {
    put(paste0(prefix, ".kind_", kind, ".est"), coef(shares)[paste0("kind", kind)])
    put(paste0(prefix, ".kind_", kind, ".se"), SE(shares)[paste0("kind", kind)])
    is_kind <- as.formula(paste0("~I(kind == '", kind, "')"))
    # svyglm warns that the rows outside the domain (weight 0) leave its dispersion: as meant.
    suppressWarnings(ciprop(paste0(prefix, ".kind_", kind), is_kind, d))
  }
  put(paste0(prefix, ".kind_n"), sum(weights(d) > 0))
  put(paste0(prefix, ".kind_weighted_n"), sum(weights(d)))
  put(paste0(prefix, ".kind_df"), degf(d))
  d <- subset(design, uses_answered)
  for (use in site_uses) {
    name <- paste0(prefix, ".uses_", use)
    stat(name, svymean(as.formula(paste0("~uses_", use)), d))
    suppressWarnings(ciprop(name, as.formula(paste0("~uses_", use)), d))
  }
  put(paste0(prefix, ".uses_df"), degf(d))
  d <- subset(design, seats_answered)
  m <- svymean(~seats, d)
  stat(paste0(prefix, ".seats"), m)
  put(paste0(prefix, ".seats.low"), confint(m)[1])
  put(paste0(prefix, ".seats.high"), confint(m)[2])
  put(paste0(prefix, ".seats_n"), sum(weights(d) > 0))
}
per_response_stats <- function(prefix, design) {
  m <- svymean(~instances, design)
  stat(paste0(prefix, ".count"), m)
  put(paste0(prefix, ".count.low"), confint(m)[1])
  put(paste0(prefix, ".count.high"), confint(m)[2])
  # The instance-level mean is the response-level ratio of totals (svyratio): the same numbers.
  stat(paste0(prefix, ".ratio_seats"), svyratio(~seats_sum, ~seats_n, design))
  stat(paste0(prefix, ".ratio_kind_home"), svyratio(~kind_home, ~kind_n, design))
  stat(paste0(prefix, ".ratio_uses_printer"), svyratio(~uses_printer, ~uses_n, design))
}
over_instances("repeat_weighted", svydesign(id = ~response, weights = ~w, data = inst))
over_instances("repeat_stratified",
               svydesign(id = ~response, strata = ~stratum, fpc = ~N, weights = ~w, data = inst))
weighted_responses <- svydesign(id = ~1, weights = ~w, data = inst_resp)
per_response_stats("repeat_weighted", weighted_responses)
per_response_stats("repeat_stratified",
                   svydesign(id = ~1, strata = ~stratum, fpc = ~N, weights = ~w, data = inst_resp))
# Calibrated weights: the calibration is of responses, so the residuals are taken at the response
# level; an instance-level postStratify would calibrate the count of instances instead.
sizes <- data.frame(size = c("large", "small"), Freq = c(900, 1400))
per_response_stats("repeat_post", postStratify(weighted_responses, ~size, sizes))

# The R-indicator (stats/representativeness.py): propensities from a logistic glm of answering
# on the members' attributes, R = 1 - 2 sd(p), and the unconditional partial indicators.
mb <- read.csv(file.path(here, "members.csv"), stringsAsFactors = TRUE)
fit <- glm(answered ~ region + kind + size, family = binomial, data = mb)
p <- fitted(fit)
put("members.r", 1 - 2 * sd(p))
put("members.p1", p[1])
put("members.p600", p[600])
for (attribute in c("region", "kind", "size")) {
  groups <- split(p, mb[[attribute]])
  shares <- sapply(groups, length) / length(p)
  gaps <- sapply(groups, mean) - mean(p)
  put(paste0("members.partial.", attribute), sqrt(sum(shares * gaps^2)))
  for (level in names(groups)) {
    put(paste0("members.partial.", attribute, ".", level), sqrt(shares[[level]]) * gaps[[level]])
  }
}

# Editions (stats/editions.py): a share and a mean in each of two independent samples, each of
# its own design, and the change between them. R's way: both editions in one design, each
# edition its own strata (so their variances add), the change a contrast of the edition's
# domain means and svyttest's t-test of it (df = the design's degrees of freedom - 1).
ea <- read.csv(file.path(here, "edition_before.csv"))
eb <- read.csv(file.path(here, "edition_after.csv"))
da <- svydesign(id = ~1, strata = ~stratum, fpc = ~N, weights = ~w, data = ea)
db <- svydesign(id = ~cluster, strata = ~stratum, fpc = ~Npsu, weights = ~w, data = eb, nest = TRUE)
for (v in c("x", "y")) {
  stat(paste0("edition_before.", v), svymean(as.formula(paste0("~", v)), da))
  stat(paste0("edition_after.", v), svymean(as.formula(paste0("~", v)), db))
}
put("edition_before.df", degf(da))
put("edition_after.df", degf(db))
both <- rbind(
  data.frame(edition = "before", stratum = paste0("a", ea$stratum), psu = paste0("a", seq_len(nrow(ea))),
             fpc = ea$N, w = ea$w, x = ea$x, y = ea$y),
  data.frame(edition = "after", stratum = paste0("b", eb$stratum),
             psu = paste0("b", eb$stratum, "-", eb$cluster), fpc = eb$Npsu, w = eb$w, x = eb$x, y = eb$y)
)
both$edition <- factor(both$edition, levels = c("before", "after"))
dboth <- svydesign(id = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = both)
for (v in c("x", "y")) {
  by <- svyby(as.formula(paste0("~", v)), ~edition, dboth, svymean, covmat = TRUE)
  contrast <- svycontrast(by, c(-1, 1))
  stat(paste0("edition_change.", v), contrast)
  tt <- svyttest(as.formula(paste0(v, " ~ edition")), dboth)
  put(paste0("edition_change.", v, ".t"), tt$statistic)
  put(paste0("edition_change.", v, ".df"), tt$parameter)
  put(paste0("edition_change.", v, ".p"), tt$p.value)
  put(paste0("edition_change.", v, ".low"), tt$conf.int[1])
  put(paste0("edition_change.", v, ".high"), tt$conf.int[2])
}

values <- unlist(out)
write.csv(data.frame(name = names(values), value = sprintf("%.17g", values)),
          file.path(here, "reference.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(values), "reference numbers\n")
