// The named data sets: where they live on disk, where they can be downloaded from, and the
// SHA-256 of each download (the same sums TensorFlow Datasets pins for these URLs).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type NamedSet = 'mnist' | 'fashion-mnist' | 'kmnist' | 'cifar10' | 'cifar100';

export interface RemoteFile {
  /** File name in the data folder. */
  file: string;
  url: string;
  sha256: string;
  bytes: number;
}

export interface NamedSetInfo {
  title: string;
  format: 'idx' | 'cifar10' | 'cifar100';
  downloads: RemoteFile[];
  /** Debian package that installs the files, and its folder. */
  apt?: { pkg: string; dir: string };
  classNames: string[];
}

const idxFiles = (base: string, sums: [string, number][]): RemoteFile[] =>
  ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((file, i) => ({
    file,
    url: `${base}/${file}`,
    sha256: sums[i][0],
    bytes: sums[i][1],
  }));

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export const NAMED_SETS: Record<NamedSet, NamedSetInfo> = {
  mnist: {
    title: 'MNIST',
    format: 'idx',
    downloads: idxFiles('https://storage.googleapis.com/cvdf-datasets/mnist', [
      ['440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609', 9912422],
      ['3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c', 28881],
      ['8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6', 1648877],
      ['f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6', 4542],
    ]),
    classNames: DIGITS,
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    format: 'idx',
    downloads: idxFiles('http://fashion-mnist.s3-website.eu-central-1.amazonaws.com', [
      ['3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84', 26421880],
      ['a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845', 29515],
      ['346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073', 4422102],
      ['67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5', 5148],
    ]),
    apt: { pkg: 'dataset-fashion-mnist', dir: '/usr/share/datasets/fashion-mnist' },
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
  },
  kmnist: {
    title: 'KMNIST',
    format: 'idx',
    downloads: idxFiles('http://codh.rois.ac.jp/kmnist/dataset/kmnist', [
      ['51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4', 18165135],
      ['e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17', 29497],
      ['edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5', 3041136],
      ['20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c', 5120],
    ]),
    classNames: ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'],
  },
  cifar10: {
    title: 'CIFAR-10',
    format: 'cifar10',
    downloads: [
      {
        file: 'cifar-10-binary.tar.gz',
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
        bytes: 170052171,
      },
    ],
    classNames: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
  },
  cifar100: {
    title: 'CIFAR-100',
    format: 'cifar100',
    downloads: [
      {
        file: 'cifar-100-binary.tar.gz',
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
        bytes: 168513733,
      },
    ],
    // Fine labels; names come from fine_label_names.txt in the archive when present.
    classNames: Array.from({ length: 100 }, (_, i) => String(i)),
  },
};

export function isNamedSet(name: string): name is NamedSet {
  return Object.prototype.hasOwnProperty.call(NAMED_SETS, name);
}

/** Root of the per-user download cache: $SAM_STUDIO_DATA, else ~/.cache/sam-studio/datasets. */
export function cacheRoot(): string {
  return process.env.SAM_STUDIO_DATA || join(homedir(), '.cache', 'sam-studio', 'datasets');
}

/**
 * Where a named set is read from: data.path if given; else the Debian package's folder when it is
 * installed (Fashion-MNIST); else the user cache folder (downloads land there).
 */
export function defaultDir(name: NamedSet, override?: string): string {
  if (override) return override;
  const apt = NAMED_SETS[name].apt;
  if (apt && existsSync(apt.dir)) return apt.dir;
  return join(cacheRoot(), name);
}

export function downloadBytes(name: NamedSet): number {
  return NAMED_SETS[name].downloads.reduce((a, d) => a + d.bytes, 0);
}
