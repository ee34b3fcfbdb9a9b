// A stack the policy pack must refuse: the same password exported twice, once as a secret (kept)
// and once in plain text (leaked). Only `leaked` may be named. No Docker needed: random only.
const pulumi = require("@pulumi/pulumi");
const random = require("@pulumi/random");

const password = new random.RandomPassword("password", { length: 24, special: false });
exports.kept = password.result;
exports.leaked = pulumi.unsecret(password.result);
